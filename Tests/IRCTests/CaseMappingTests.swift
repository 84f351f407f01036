import IRC
import Testing

@Suite struct CaseMappingTests {
    @Test func rfc1459FoldsBracketsAndTilde() {
        let mapping = CaseMapping.rfc1459
        #expect(mapping.lowercased("Nick[A]\\~") == "nick{a}|^")
        #expect(mapping.equal("[Bot]^", "{bot}~"))
        #expect(mapping.equal("#Chan", "#chan"))
        #expect(!mapping.equal("nick", "nick_"))
    }

    @Test func strictRFC1459LeavesTildeAlone() {
        let mapping = CaseMapping.strictRFC1459
        #expect(mapping.lowercased("A[]\\~") == "a{}|~")
        #expect(mapping.equal("[x]", "{X}"))
        #expect(!mapping.equal("a~", "a^"))
    }

    @Test func asciiFoldsLettersOnly() {
        let mapping = CaseMapping.ascii
        #expect(mapping.lowercased("ABC[]~") == "abc[]~")
        #expect(!mapping.equal("[", "{"))
        #expect(mapping.equal("NiCk", "nick"))
    }

    @Test func nonASCIIIsComparedExactly() {
        #expect(CaseMapping.rfc1459.lowercased("ÄÖ") == "ÄÖ")
        #expect(!CaseMapping.rfc1459.equal("Ä", "ä"))
        #expect(CaseMapping.rfc1459.equal("Über", "Über"))
        #expect(!CaseMapping.rfc1459.equal("ab", "abc"))
    }

    @Test func isupportNames() {
        #expect(CaseMapping(isupportValue: "ascii") == .ascii)
        #expect(CaseMapping(isupportValue: "strict-rfc1459") == .strictRFC1459)
        #expect(CaseMapping(isupportValue: "RFC1459") == .rfc1459)
        #expect(CaseMapping(isupportValue: "rfc7613") == .rfc1459)
    }
}
