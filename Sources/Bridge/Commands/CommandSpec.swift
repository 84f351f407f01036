/// Everything `!help` says about one command. Usage and examples are written without the
/// prefix; help puts the configured prefix in front.
public struct CommandSpec: Sendable, Hashable {
    /// Canonical name, lower case (`imagine`).
    public var name: String
    /// Other names that run the same command (`mj`, `i`).
    public var aliases: [String]
    /// How the command is listed by `!help` when that differs from the name (`u1-4` for
    /// the `u1`…`u4` family).
    public var listName: String?
    /// Arguments after the name, e.g. `<prompt>`; empty when it takes none.
    public var usage: String
    /// One sentence.
    public var summary: String
    /// Full invocations without the prefix, e.g. `imagine a red fox in snow --ar 16:9`.
    public var examples: [String]
    /// Who may run it (`.user`: everyone not ignored); `!help` lists it only to them, and
    /// anyone else gets one sentence saying whom it is for.
    public var minimumRole: Role

    /// Only owners may run it.
    public var ownerOnly: Bool { minimumRole == .owner }

    /// `ownerOnly: true` is `minimumRole: .owner`; `minimumRole` wins when both are given.
    public init(name: String, aliases: [String] = [], listName: String? = nil, usage: String = "",
                summary: String, examples: [String] = [], ownerOnly: Bool = false, minimumRole: Role? = nil) {
        self.name = name.lowercased()
        self.aliases = aliases.map { $0.lowercased() }
        self.listName = listName
        self.usage = usage
        self.summary = summary
        self.examples = examples
        self.minimumRole = minimumRole ?? (ownerOnly ? .owner : .user)
    }

    public var displayName: String { listName ?? name }
}
