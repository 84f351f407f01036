import IRC

/// What the bridge needs from a chat network. The IRC client, the demo console and the test
/// transport implement it; the bridge never touches a socket.
public protocol ChatTransport: Sendable {
    /// For immediate answers to a command (not owed lines): returns once the line has been
    /// queued for the wire. Throws when it could not be, e.g. disconnected; the answer is then
    /// lost (the person is there and can ask again). Owed lines go through `deliver`.
    func send(_ line: OutgoingChat) async throws

    /// Delivers an owed (outbox) line and reports what the server confirmed. `offset` is the
    /// UTF-8 offset into `line.text` where sending starts: the pieces before it were confirmed
    /// on an earlier attempt and must not be said again. The text from `offset` may be split
    /// into several wire lines; each is confirmed on its own (IRC: echo-message, matched by
    /// label or by target and text, else a PING barrier), so a report names the offset up to
    /// which pieces were confirmed. Never resends a piece on the same connection: a piece
    /// written but not confirmed when the connection ends is the caller's to send again after
    /// the reconnect. Bounded in time by the transport (a server that stops answering is
    /// treated as a dead connection). Cancelling the call withdraws the line: what is not
    /// written yet is taken back, and the call returns once nothing of it is still waiting to
    /// go out or to be answered, so the caller's next attempt never has it queued twice.
    func deliver(_ line: OutgoingChat, from offset: Int) async -> DeliveryReport

    /// Where the bot stands with `channel` on `network`: decides whether an owed line for it
    /// is sent, held, or dead-lettered.
    func channelStatus(network: String, channel: String) async -> ChannelStatus

    /// Whether the bot is in `channel` on `network` right now. Results for channels the bot
    /// is not in are held and delivered when `ChatBridge.joined(network:channel:)` is called.
    func isJoined(network: String, channel: String) async -> Bool

    /// Joins `channel` now (or as soon as connected) and after every reconnect. Returns once
    /// the request is made; the server's answer arrives as a join event, or not at all (banned,
    /// wrong key: the transport logs why). Throws when this transport cannot join channels
    /// or does not know the network; the error's description is shown to the owner.
    func join(network: String, channel: String, key: String?) async throws

    /// Leaves `channel` and stops rejoining it. Throws like `join`.
    func part(network: String, channel: String, reason: String?) async throws

    /// The name `channel` is remembered by (`!join`/`!part` rows, restored at start): the one
    /// the transport's lines and events use for it. IRC: the name as given. Matrix: the room
    /// id an alias stands for, so that `!join #room:server` then `!part` in that room leaves
    /// it for good (remembered under the alias, the restart would join it again).
    func canonicalChannel(network: String, channel: String) async -> String

    /// Asks the network which services account `nick` is logged in to (IRC: WHOX or WHOIS),
    /// for senders whose account the transport could not vouch for. Bounded in time.
    func lookUpAccount(network: String, nick: String) async -> AccountLookup

    /// Where `nick` stands in `channel` as the network shows it now (IRC: NAMES), for
    /// honouring an invitation; nil when there is no answer. Bounded in time.
    func channelStanding(network: String, channel: String, nick: String) async -> ChannelMembers.Standing?

    /// How many channels the bot means to be in on `network` (configured, joined from chat or
    /// by invitation, minus the parted ones), for `max_channels`.
    func wantedChannelCount(network: String) async -> Int
}

/// The answer to `ChatTransport.lookUpAccount`.
public enum AccountLookup: Sendable, Hashable {
    case loggedIn(String)
    case loggedOut
    /// No answer (not supported, no such nick, timed out): the sender stays unverified.
    case unavailable
}

/// What became of one `deliver`.
public enum DeliveryReport: Sendable, Hashable {
    /// Every piece from the requested offset to the end was confirmed by the server.
    case confirmed
    /// Not connected, or the connection ended (or stopped answering) before every piece was
    /// confirmed. `confirmedOffset` (UTF-8, absolute, never below the requested offset) is
    /// where the next attempt starts, after the reconnect.
    case interrupted(confirmedOffset: Int)
    /// The server (or the transport) refused a piece; the pieces before `confirmedOffset`
    /// were confirmed, the rest was not sent.
    case refused(DeliveryRefusal, confirmedOffset: Int)
}

/// Why a line could not be delivered.
public struct DeliveryRefusal: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// ERR_CANNOTSENDTOCHAN (404) and kin: moderated (+m), banned, not in a +n channel,
        /// needs a registered nick. People change these: hold and retry after the next
        /// join, voice or unban.
        case cannotSendToChannel
        /// ERR_NOSUCHNICK (401) / ERR_NOSUCHCHANNEL (403): the person may come back; hold,
        /// retry with backoff, dead-letter after the hold time.
        case noSuchTarget
        /// The target can never work (not a valid nick or channel name): dead-letter at once.
        case invalidTarget
        /// The transport has no such network (removed from the config): dead-letter at once.
        case unknownNetwork
        /// Anything else the server answered with an error (the reason says what): hold.
        case other
    }

    public var kind: Kind
    /// The server's words (or the transport's), for the log and `!pending`; untrusted text.
    public var reason: String

    public init(_ kind: Kind, reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// Whether retrying can never help.
    public var isPermanent: Bool { kind == .invalidTarget || kind == .unknownNetwork }
}

/// The bot's standing in a channel, for delivering owed lines.
public enum ChannelStatus: Sendable, Hashable {
    /// In the channel now.
    case joined
    /// Wanted (configured or joined from chat) but not in it right now: connecting, kicked,
    /// banned, rejoining. Lines wait.
    case waiting
    /// Not wanted any more (parted from chat, removed from the config) or the network is
    /// unknown: lines for it are dead-lettered.
    case notWanted
}

extension ChatTransport {
    /// For transports without receipts (the demo console, test transports): handed over is
    /// confirmed.
    public func deliver(_ line: OutgoingChat, from offset: Int) async -> DeliveryReport {
        var rest = line
        rest.text = String(decoding: line.text.utf8.dropFirst(offset), as: UTF8.self)
        do {
            try await send(rest)
            return .confirmed
        } catch {
            return .interrupted(confirmedOffset: offset)
        }
    }

    public func channelStatus(network: String, channel: String) async -> ChannelStatus {
        await isJoined(network: network, channel: channel) ? .joined : .waiting
    }

    public func join(network: String, channel: String, key: String?) async throws {
        throw ChatTransportError.channelsNotSupported
    }

    public func canonicalChannel(network: String, channel: String) async -> String { channel }

    public func part(network: String, channel: String, reason: String?) async throws {
        throw ChatTransportError.channelsNotSupported
    }

    public func lookUpAccount(network: String, nick: String) async -> AccountLookup {
        .unavailable
    }

    public func channelStanding(network: String, channel: String, nick: String) async -> ChannelMembers.Standing? {
        nil
    }

    public func wantedChannelCount(network: String) async -> Int {
        0
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
