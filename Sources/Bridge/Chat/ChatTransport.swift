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

    /// Joins `channel` now (or as soon as connected) and after every reconnect. Returns once
    /// the request is made; the server's answer arrives as a join event, or not at all (banned,
    /// wrong key: the transport logs why). Throws when this transport cannot join channels
    /// or does not know the network; the error's description is shown to the owner.
    func join(network: String, channel: String, key: String?) async throws

    /// Leaves `channel` and stops rejoining it. Throws like `join`.
    func part(network: String, channel: String, reason: String?) async throws

    /// Asks the network which services account `nick` is logged in to (IRC: WHOX or WHOIS),
    /// for senders whose account the transport could not vouch for. Bounded in time.
    func lookUpAccount(network: String, nick: String) async -> AccountLookup
}

/// The answer to `ChatTransport.lookUpAccount`.
public enum AccountLookup: Sendable, Hashable {
    case loggedIn(String)
    case loggedOut
    /// No answer (not supported, no such nick, timed out): the sender stays unverified.
    case unavailable
}

extension ChatTransport {
    public func join(network: String, channel: String, key: String?) async throws {
        throw ChatTransportError.channelsNotSupported
    }

    public func part(network: String, channel: String, reason: String?) async throws {
        throw ChatTransportError.channelsNotSupported
    }

    public func lookUpAccount(network: String, nick: String) async -> AccountLookup {
        .unavailable
    }
}

/// Why a transport could not do what the owners asked; `description` is a sentence fragment
/// the bridge shows after "I cannot join #x: ".
public enum ChatTransportError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The transport has a fixed set of channels (e.g. the demo console).
    case channelsNotSupported
    /// The transport's own explanation.
    case refused(String)

    public var description: String {
        switch self {
        case .channelsNotSupported: "this chat connection cannot join or leave channels"
        case .refused(let reason): reason
        }
    }
}
