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
    /// Only owners may run it; `!help` lists it only to them.
    public var ownerOnly: Bool

    public init(name: String, aliases: [String] = [], listName: String? = nil, usage: String = "",
                summary: String, examples: [String] = [], ownerOnly: Bool = false) {
        self.name = name.lowercased()
        self.aliases = aliases.map { $0.lowercased() }
        self.listName = listName
        self.usage = usage
        self.summary = summary
        self.examples = examples
        self.ownerOnly = ownerOnly
    }

    public var displayName: String { listName ?? name }
}
