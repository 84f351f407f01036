import Foundation
import Testing
@testable import App

/// The TOML parser inside TOMLKit aborts the process on two kinds of input (see
/// `TOMLCrashGuard`). These tests run in-process: a guard that missed one would kill the test
/// run, which is the failure this suite exists to show.
@Suite struct TOMLCrashGuardTests {
    static let example: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("bot.conf.example"), encoding: .utf8)) ?? ""
    }()

    func load(_ text: String) throws(ConfigError) -> Configuration {
        try ConfigurationLoader(environment: [:]).parse(toml: text, baseDirectory: "/etc/mjbridge")
    }

    /// Each of these made toml++ 3.4 abort (checked against the C++ parser with assertions on).
    static let crashers: [(text: String, line: Int, column: Int)] = [
        ("[é]", 1, 2),
        ("[# old section", 1, 2),
        ("[\nx = 1", 1, 2),
        ("[\r\n", 1, 2),
        ("[[é]]", 1, 3),
        ("[[[x]]]", 1, 3),
        ("[  😀 ]", 1, 4),
        ("\u{FEFF}[é]", 1, 3),
        ("a = 1\n\t[é]", 2, 3),
        ("a = [}", 1, 6),
        ("a = [1, }]", 1, 9),
        ("a = [\n  1,\n  # a comment\n  }\n]", 4, 3),
        ("a = [\u{2028}]", 1, 6),
        ("a = [\u{85}]", 1, 6),
        ("a = [[1], [\u{2029}]]", 1, 12),
        ("t = { b = [ } ] }", 1, 13),
        ("d = 1979-05-27 0\n", 1, 16),
        ("d = [1979-05-27 0]", 1, 17),
        ("d = 1979-05-27 0\t7:32:00", 1, 16),
        ("t = 1979-05-27T{00:00Z", 1, 16),
        ("t = 1979-05-27tx:00", 1, 16),
        ("x = 1\0", 1, 6),
    ]

    @Test(arguments: crashers.indices)
    func knownCrasherIsRefusedWithItsLine(index: Int) throws {
        let (text, line, column) = Self.crashers[index]
        let finding = try #require(TOMLCrashGuard.firstFinding(in: text))
        #expect(finding.line == line && finding.column == column, "\(finding) for \(text.debugDescription)")
        #expect(throws: ConfigError.syntax(message: finding.message, line: line, column: column)) { try load(text) }
    }

    @Test func typoInTheExampleNamesTheLine() throws {
        let lines = Self.example.components(separatedBy: "\n")
        let proxy = try #require(lines.firstIndex(of: "[proxy]"))
        for typo in ["[é]", "[# old section", "[ [proxy]", "[\u{2028}proxy]"] {
            var edited = lines
            edited[proxy] = typo
            do {
                _ = try load(edited.joined(separator: "\n"))
                Issue.record("\(typo) was accepted")
            } catch {
                guard case .syntax(_, let line?, _) = error else {
                    Issue.record("\(typo): \(error)")
                    continue
                }
                #expect(line == proxy + 1, "\(typo): \(error)")
                #expect(error.description.contains("line \(proxy + 1)"))
            }
        }
    }

    /// The characters that abort as a header or array element are harmless elsewhere; valid
    /// documents that contain them must still load.
    @Test(arguments: [
        "s = \"\"\"\n[é]\n}\n\u{2028}\n\"\"\"",
        "s = '''\n[# old section\n}'''",
        "s = \"\"\"a\"\"\"\"\nt = 1",
        "s = \"x\\\"]\"\n[t]",
        "a = [ # } [é]\n  1 ]",
        "a = [\n  [ \"}\", '[é]' ],\n  # }\n]",
        "\"k]\" = \"[é]\"",
        "t = { a = \"}\", b = [1, 2], c = { d = [] } }",
        "d = 1979-05-27 07:32:00 # [é]",
        "# [é] }\n[\"é\"]\nx = 1",
        "[ 'a b' . c ]\nx = [ \"\u{2028}\", '\u{85}' ]",
        "[[arr]]\n[[arr]]\nx = [[], [[]], [{}]]",
        "\u{FEFF}a = 1",
        "d = 1979-05-27 07:32:00\ne = 1979-05-27T07:32:00.5+01:00\nf = 1979-05-27 # 0 ]",
        "d = [1979-05-27, 1979-05-27T07:32:00Z, 07:32:00, 1979-05-27 07:32:00]",
    ])
    func validDocumentPasses(text: String) throws {
        #expect(TOMLCrashGuard.firstFinding(in: text) == nil)
        _ = try ConfigValue.parse(toml: text)
    }

    /// A few thousand deterministic mutations of bot.conf.example (bytes flipped or replaced,
    /// structural characters and non-ASCII inserted, lines deleted or duplicated, truncations),
    /// through the whole loader in-process: each is accepted or refused with a ConfigError.
    @Test func mutatedExampleConfigsNeverCrash() {
        #expect(!Self.example.isEmpty)
        var random = MutationRandom(seed: 0x6D6A_6272_6964_6765)
        var accepted = 0
        var refused = 0
        var refusedByGuard = 0
        let inputs = (0..<3000).map { _ in Self.mutate(Array(Self.example.utf8), &random) }
            + Self.crashers.map(\.text)
        for text in inputs {
            do {
                _ = try load(text)
                accepted += 1
            } catch {
                refused += 1
                if TOMLCrashGuard.firstFinding(in: text) != nil { refusedByGuard += 1 }
            }
        }
        // The mutations must reach every outcome, or they test nothing.
        #expect(accepted > 100)
        #expect(refused > 100)
        #expect(refusedByGuard > Self.crashers.count)
    }

    static let insertions: [[UInt8]] = ["[", "]", "[[", "]]", "#", "\"", "'", "=", ".", "{", "}", ",", "\n", "\r\n",
                                        " ", "\t", "\\", "é", "😀", "\u{2028}", "\u{85}", "\u{FEFF}", "\"\"\"", "'''",
                                        "\0", "\u{1}", "\u{7F}", " 1979-05-27 0", "1979-05-27T"].map { Array($0.utf8) }

    static func mutate(_ original: [UInt8], _ random: inout MutationRandom) -> String {
        var bytes = original
        for _ in 0..<Int.random(in: 1...4, using: &random) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &random)
            var lines: [[UInt8]] { bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init) }
            switch Int.random(in: 0..<8, using: &random) {
            case 0: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            case 1: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 2, 3: bytes.insert(contentsOf: insertions.randomElement(using: &random)!, at: at)
            case 4:
                // At the start of a line, where a header or key begins.
                var all = lines
                let line = Int.random(in: 0..<all.count, using: &random)
                all[line] = insertions.randomElement(using: &random)! + all[line]
                bytes = Array(all.joined(separator: [0x0A]))
            case 5:
                var all = lines
                all.remove(at: Int.random(in: 0..<all.count, using: &random))
                bytes = Array(all.joined(separator: [0x0A]))
            case 6:
                var all = lines
                let line = Int.random(in: 0..<all.count, using: &random)
                all.insert(all[line], at: line)
                bytes = Array(all.joined(separator: [0x0A]))
            default:
                bytes.removeSubrange(at...)
            }
        }
        // Broken UTF-8 is repaired (U+FFFD) so that every mutation reaches the parser.
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// SplitMix64, so the mutations are the same on every run.
struct MutationRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
