import Bridge
import Foundation
import Testing
import TestnetSupport

/// The README's command table is what `!help` says: same commands, order, usage, aliases and
/// summary. Change one and this fails until the other follows.
@Suite struct ReadmeCommandTableTests {
    struct Row: Equatable, CustomStringConvertible {
        var invocation: String
        var aliases: [String]
        var summary: String
        var description: String { "`\(invocation)` \(aliases) — \(summary)" }
    }

    static func readmeRows(section heading: String) throws -> [Row] {
        let readme = try String(contentsOf: Testnet.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "\n## \(heading)\n").dropFirst().first,
                                   "README.md has a '## \(heading)' section")
        let body = section.components(separatedBy: "\n## ").first ?? section
        return body.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { line in
            // Split on cell bars that are not escaped (`\|` is a literal bar inside a cell).
            let cells = line.replacingOccurrences(of: "\\|", with: "\u{1}").split(separator: "|")
                .map { $0.replacingOccurrences(of: "\u{1}", with: "|").trimmingCharacters(in: .whitespaces) }
            let first = cells.first ?? ""
            let parts = first.components(separatedBy: "`")
            let invocation = parts.count > 1 ? parts[1] : first
            let aliases = parts.enumerated().filter { $0.offset > 1 && $0.offset % 2 == 1 }.map { String($0.element.dropFirst()) }
            // Backticks are markdown code spans; `!help` says the same words without them.
            return Row(invocation: invocation, aliases: aliases,
                       summary: cells.count > 1 ? cells[1].replacingOccurrences(of: "`", with: "") : "")
        }
    }

    static func helpRows(role: Role) -> [Row] {
        ChatBridge.commands.specs.filter { $0.minimumRole == role }.map { spec in
            let family = spec.listName != nil
            return Row(invocation: "!" + spec.displayName + (spec.usage.isEmpty ? "" : " " + spec.usage),
                       aliases: family ? [] : spec.aliases, summary: spec.summary)
        }
    }

    @Test(arguments: [("Commands", Role.user), ("Admin commands", .admin), ("Owner commands", .owner)])
    func readmeTableMatchesHelp(section: String, role: Role) throws {
        let readme = try Self.readmeRows(section: section)
        let help = Self.helpRows(role: role)
        #expect(!help.isEmpty)
        #expect(readme.count == help.count, "README lists \(readme.count) commands, !help \(help.count)")
        for (documented, actual) in zip(readme, help) {
            #expect(documented == actual)
        }
    }
}
