/// The set of commands the bot understands, in the order `!help` lists them. Help text is
/// generated from here so it cannot drift from what the parser accepts.
public struct CommandRegistry: Sendable {
    public private(set) var specs: [CommandSpec] = []
    private var byName: [String: Int] = [:]

    public init(_ specs: [CommandSpec] = []) {
        for spec in specs { register(spec) }
    }

    /// Adds a command; a later registration of the same name or alias replaces the earlier one.
    public mutating func register(_ spec: CommandSpec) {
        let index: Int
        if let existing = byName[spec.name] {
            specs[existing] = spec
            index = existing
        } else {
            specs.append(spec)
            index = specs.count - 1
        }
        for name in [spec.name] + spec.aliases { byName[name] = index }
    }

    /// Finds a command by name or alias, ignoring case.
    public func lookup(_ name: String) -> CommandSpec? {
        byName[name.lowercased()].map { specs[$0] }
    }

    /// `!help` for someone with `role`: the commands they may run.
    public func helpIndex(prefix: String, role: Role) -> String {
        let names = specs.filter { $0.minimumRole <= role }.map { spec -> String in
            let aliases = spec.aliases.filter { !isFamilyAlias($0, of: spec) }
            return aliases.isEmpty ? spec.displayName : "\(spec.displayName) (\(aliases.joined(separator: ", ")))"
        }
        return "Commands: " + names.joined(separator: ", ") + " · \(prefix)help <command> for details"
    }

    /// `!help <command>`: usage and description on the first line, examples on the second.
    /// Nil when there is no such command.
    public func help(for name: String, prefix: String) -> [String]? {
        let trimmed = name.hasPrefix(prefix) && !prefix.isEmpty ? String(name.dropFirst(prefix.count)) : name
        guard let spec = lookup(trimmed) else { return nil }
        let invoked = spec.listName == nil ? spec.name : trimmed.lowercased()
        var usage = "\(prefix)\(invoked)"
        if !spec.usage.isEmpty { usage += " \(spec.usage)" }
        var first = "Usage: \(usage) — \(spec.summary)"
        let aliases = spec.aliases.filter { !isFamilyAlias($0, of: spec) }
        if !aliases.isEmpty {
            first += " Also: " + aliases.map { prefix + $0 }.joined(separator: ", ") + "."
        }
        var lines = [first]
        if !spec.examples.isEmpty {
            lines.append("Examples: " + spec.examples.map { prefix + $0 }.joined(separator: " · "))
        }
        return lines
    }

    /// `u2` is one of the `u1-4` family, not an alias worth listing.
    private func isFamilyAlias(_ alias: String, of spec: CommandSpec) -> Bool {
        guard spec.listName != nil else { return false }
        return alias.dropLast() == spec.name.dropLast()
    }
}
