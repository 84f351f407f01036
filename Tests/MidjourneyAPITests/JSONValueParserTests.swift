import Foundation
import Testing
@testable import MidjourneyAPI

@Suite struct JSONValueParserTests {
    static let documents: [String] = [
        #"{"id":"1748339029401828","status":"SUCCESS","progress":"100%","result":1748339029401828,"ok":true,"n":null}"#,
        #"[1, -2, 3.5, -0.25e2, 1E3, 9223372036854775807, 9223372036854775808, 0, -0]"#,
        #"{"buttons":[{"customId":"MJ::JOB::upsample::1::abc","emoji":"","label":"U1","style":2,"type":2}],"properties":{}}"#,
        #"  "just a string"  "#,
        #""esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83e\udd8a end""#,
        #"{"nested":{"a":[[],{},[{"b":[false,true,null]}]]},"dup":1,"dup":2}"#,
        "\"unicode raw: 狐 🦊\"",
        "true", "false", "null", "42", "-7.5",
    ]

    /// The parser gives the same values `JSONDecoder` does, without trying types.
    @Test(arguments: documents) func agreesWithJSONDecoder(_ document: String) throws {
        let data = Data(document.utf8)
        let parsed = try JSONValue.parse(data)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(parsed == decoded, "\(document)")
    }

    @Test func keepsTaskIdsExactAndTypesApart() throws {
        let value = try #require(try JSONValue.parse(Data(#"{"a":1748339029401828,"b":1.5,"c":"x","d":true,"e":null,"f":1e2}"#.utf8)))
        #expect(value["a"] == .integer(1_748_339_029_401_828))
        #expect(value["b"] == .double(1.5))
        #expect(value["c"] == .string("x"))
        #expect(value["d"] == .bool(true))
        #expect(value["e"] == .null)
        #expect(value["f"] == .integer(100))
        #expect(try JSONValue.parse(Data(#""\ud83e\udd8a""#.utf8)) == .string("🦊"))
    }

    @Test(arguments: [
        "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "tru", "nul", "01", "1.", "-", "1e", "\"abc", "\"\\x\"",
        "\"\\ud83e\"", "\"\\udd8a\"", "[1] [2]", "{'a':1}", "\"tab\there\"", "NaN", "[" + String(repeating: "[", count: 600),
    ]) func malformedDocumentsThrow(_ document: String) {
        #expect(throws: (any Error).self, "\(document)") { _ = try JSONValue.parse(Data(document.utf8)) }
    }

    @Test func invalidUTF8Throws() {
        #expect(throws: (any Error).self) { _ = try JSONValue.parse(Data([0x22, 0xFF, 0xFE, 0x22])) }
    }

    @Test func emptyDocumentIsNil() throws {
        #expect(try JSONValue.parse(Data(" \n\t".utf8)) == nil)
    }
}
