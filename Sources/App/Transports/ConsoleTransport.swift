import Bridge

/// The demo's chat: one pretend channel in the terminal. Lines the bot says are printed as
/// `<mjbridge> text`; it is always "joined", and there is no other channel to join or leave.
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

    public func join(network: String, channel: String, key: String?) async throws {
        throw ChatTransportError.refused("the demo has only its one channel")
    }

    public func part(network: String, channel: String, reason: String?) async throws {
        throw ChatTransportError.refused("the demo has only its one channel")
    }
}
