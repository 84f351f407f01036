import Bridge

/// The demo's chat: one pretend channel in the terminal. Lines the bot says are printed as
/// `<mjbridge> text`; it is always "joined".
public struct ConsoleTransport: ChatTransport {
    let botNick: String
    let write: @Sendable (String) -> Void

    public init(botNick: String = "mjbridge", write: @escaping @Sendable (String) -> Void) {
        self.botNick = botNick
        self.write = write
    }

    public func send(_ line: OutgoingChat) async throws {
        let marker = line.style == .notice ? "-\(botNick)-" : "<\(botNick)>"
        write("\(marker) \(line.text)")
    }

    public func isJoined(network: String, channel: String) async -> Bool { true }
}
