/// A channel the bot means to be in, with its key: configured, or asked for with `join`.
/// Kept across reconnects; the JOIN for it is sent after every registration and rejoin.
public struct WantedChannel: Sendable, Hashable {
    public var name: String
    public var key: String?

    public init(_ name: String, key: String? = nil) {
        self.name = name
        self.key = key
    }

    /// `JOIN <name> [<key>]`.
    public var joinMessage: Message {
        key.map { Message("JOIN", name, $0) } ?? Message("JOIN", name)
    }
}
