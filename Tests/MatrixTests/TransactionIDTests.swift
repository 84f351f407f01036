import Testing
@testable import Matrix

@Suite struct TransactionIDTests {
    @Test func theSameLineAlwaysGetsTheSameID() {
        // Pinned: a restart (another process, another Hasher seed) must derive the same id.
        #expect(TransactionID.forOutboxLine(id: 42, target: "!r:x", text: "hello") == "mjb1.42.654dd26dd32c4680.0")
        #expect(TransactionID.forOutboxLine(id: 42, target: "!r:x", text: "hello", part: 1) == "mjb1.42.654dd26dd32c4680.1")
    }

    @Test func anotherLineGetsAnotherID() {
        let base = TransactionID.forOutboxLine(id: 42, target: "!r:x", text: "hello")
        #expect(TransactionID.forOutboxLine(id: 43, target: "!r:x", text: "hello") != base)
        // A row id handed out again (newest rows pruned) with other content: a new id.
        #expect(TransactionID.forOutboxLine(id: 42, target: "!r:x", text: "hello!") != base)
        #expect(TransactionID.forOutboxLine(id: 42, target: "!s:x", text: "hello") != base)
        // The separator keeps target and text apart.
        #expect(TransactionID.forOutboxLine(id: 1, target: "ab", text: "c") != TransactionID.forOutboxLine(id: 1, target: "a", text: "bc"))
    }

    @Test func theIDIsPathSafe() {
        let id = TransactionID.forOutboxLine(id: Int64.max, target: "#ü:x", text: "a/b?c#d 🦊")
        #expect(id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".") })
        #expect(MatrixRequest.encode(id) == id)
        #expect(FNV1a().value == 0xcbf2_9ce4_8422_2325)
    }
}
