import Foundation
import IRC
import Testing

/// The ircv3/parser-tests vectors (Fixtures/ircv3-parser-tests, CC0; see its README) run against
/// `Message` parsing and serialisation and `Source(parsing:)`. The one deliberate difference:
/// the bot upper-cases the command word on parse (`foo` → `FOO`, README "IRC parsing"), so the
/// split tests compare the verb case-insensitively; everything else must match exactly.
@Suite struct IRCv3ParserTests {
    struct Atoms: Decodable, Sendable {
        var tags: [String: String]?
        var source: String?
        var verb: String
        var params: [String]?
    }

    struct SplitCase: Decodable, Sendable {
        var input: String
        var atoms: Atoms
    }

    struct JoinCase: Decodable, Sendable {
        var desc: String
        var atoms: Atoms
        var matches: [String]
    }

    struct UserhostCase: Decodable, Sendable {
        struct Parts: Decodable, Sendable {
            var nick: String?
            var user: String?
            var host: String?
        }
        var source: String
        var atoms: Parts
    }

    struct Fixtures: Decodable, Sendable {
        var msgSplit: [SplitCase]
        var msgJoin: [JoinCase]
        var userhostSplit: [UserhostCase]

        enum CodingKeys: String, CodingKey {
            case msgSplit = "msg-split"
            case msgJoin = "msg-join"
            case userhostSplit = "userhost-split"
        }

        static func load() throws -> Fixtures {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/ircv3-parser-tests/parser-tests.json")
            return try JSONDecoder().decode(Fixtures.self, from: Data(contentsOf: url))
        }
    }

    static func message(_ atoms: Atoms) -> Message {
        Message(tags: atoms.tags ?? [:], source: atoms.source.map { Source(parsing: Substring($0)) },
                command: atoms.verb, params: atoms.params ?? [])
    }

    @Test func msgSplitEveryCase() throws {
        let cases = try Fixtures.load().msgSplit
        #expect(cases.count == 35)
        for test in cases {
            let message = try Message(parsing: test.input)
            let comment = Comment(rawValue: "input: \(test.input.debugDescription)")
            // Deliberate: the command word is upper-cased on parse.
            #expect(message.command == test.atoms.verb.uppercased(), comment)
            #expect(message.params == (test.atoms.params ?? []), comment)
            #expect(message.tags == (test.atoms.tags ?? [:]), comment)
            #expect(message.source?.description == test.atoms.source, comment)
            // The bytes entry point (the one the connection uses) agrees with the String one.
            #expect(try Message(parsing: Array(test.input.utf8)) == message, comment)
        }
    }

    @Test func msgJoinEveryCase() throws {
        let cases = try Fixtures.load().msgJoin
        #expect(cases.count == 17)
        for test in cases {
            let message = Self.message(test.atoms)
            let comment = Comment(rawValue: test.desc)
            let line = message.serialized()
            #expect(test.matches.contains(line), comment)
            // Every accepted spelling parses back to the same atoms (verb upper-cased, as above).
            for match in test.matches {
                var expected = message
                expected.command = expected.command.uppercased()
                #expect(try Message(parsing: match) == expected, Comment(rawValue: "\(test.desc): \(match.debugDescription)"))
            }
            // The byte serializer writes the same line.
            var bytes: [UInt8] = [0x41]
            message.serialize(into: &bytes)
            #expect(bytes == [0x41] + Array(line.utf8), comment)
        }
    }

    @Test func userhostSplitEveryCase() throws {
        let cases = try Fixtures.load().userhostSplit
        #expect(cases.count == 9)
        for test in cases {
            let comment = Comment(rawValue: "source: \(test.source.debugDescription)")
            let source = Source(parsing: Substring(test.source))
            // A missing part counts as the empty string, as the fixture says.
            #expect(source.nick == (test.atoms.nick ?? ""), comment)
            #expect((source.user ?? "") == (test.atoms.user ?? ""), comment)
            #expect((source.host ?? "") == (test.atoms.host ?? ""), comment)
            // The parser splits a line's source the same way.
            let parsed = try Message(parsing: ":\(test.source) CMD").source
            #expect(parsed == source, comment)
        }
    }
}
