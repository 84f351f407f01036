/// What the bridge needs from a chat network. The IRC client, the demo console and the test
/// transport implement it; the bridge never touches a socket.
public protocol ChatTransport: Sendable {
    /// Returns once the line has been handed to the wire (queued behind flood control is
    /// fine), so the outbox can mark it sent. Throws when it could not be, e.g. disconnected;
    /// the line then stays in the outbox and is retried.
    func send(_ line: OutgoingChat) async throws

    /// Whether the bot is in `channel` on `network` right now. Results for channels the bot
    /// is not in are held and delivered when `Bridge.joined(network:channel:)` is called.
    func isJoined(network: String, channel: String) async -> Bool
}
