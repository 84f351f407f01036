/// The answer to `NAMES <channel>` as a value: 353 lines collected until 366, then who holds
/// which status. Used to check that an inviter really is an operator of the channel before
/// the bot follows the invitation.
public struct ChannelMembers: Sendable, Hashable {
    /// What NAMES showed about one nick.
    public enum Standing: Sendable, Hashable {
        /// Listed with operator status or higher (`@`, or `~`/`&` ranked above it).
        case `operator`
        /// Listed, without operator status.
        case member
        /// Listed members exist, but not this nick.
        case absent
        /// Nobody listed at all: a secret or private channel seen from outside hides its
        /// members (RFC 2812 §3.2.5), so nothing can be told.
        case hidden
    }

    public let channel: String
    /// Entries as sent (`@+nick`, or `@nick!user@host` with userhost-in-names).
    public private(set) var entries: [String] = []
    public private(set) var isComplete = false

    public init(channel: String) {
        self.channel = channel
    }

    /// Takes a 353/366 line for this channel; returns true when it was one.
    @discardableResult
    public mutating func handle(_ message: Message, caseMapping: CaseMapping) -> Bool {
        let params = message.params
        switch message.command {
        case "353":
            // RPL_NAMREPLY <me> <type> <channel> :<entries>
            guard !isComplete, params.count >= 4, caseMapping.equal(params[2], channel) else { return false }
            entries += params[3].split(separator: " ").map(String.init)
            return true
        case "366":
            // RPL_ENDOFNAMES <me> <channel> :End of /NAMES list.
            guard !isComplete, params.count >= 2, caseMapping.equal(params[1], channel) else { return false }
            isComplete = true
            return true
        default:
            return false
        }
    }

    public func standing(of nick: String, support: ISupport) -> Standing {
        guard !entries.isEmpty else { return .hidden }
        for entry in entries {
            let (symbols, rest) = support.splitPrefixes(entry)
            let listed = rest.split(separator: "!", maxSplits: 1).first.map(String.init) ?? rest
            guard support.caseMapping.equal(listed, nick) else { continue }
            return support.isOperatorOrHigher(symbols: symbols) ? .operator : .member
        }
        return .absent
    }
}
