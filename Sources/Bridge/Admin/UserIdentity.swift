import IRC

/// Who a user is for limits and for owning tasks: the services account when the transport
/// vouches for it, else `*!user@host` — the nick wildcarded, since anyone can change nick
/// but not (without reconnecting) their user and host. Transports without either fall back
/// to the nick. Pure function of the event.
public struct UserIdentity: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case account
        case mask
        case nick
    }

    public var kind: Kind
    /// As shown to people: the account, `*!user@host`, or the nick.
    public var value: String
    /// For storage and comparison: `account:<folded>`, `mask:<folded>`, `nick:<folded>`,
    /// folded with the network's CASEMAPPING (accounts the RFC 1459 way, as services do).
    public var key: String

    public init(_ event: ChatEvent) {
        if event.accountVerified, let account = event.account, !account.isEmpty {
            self.init(kind: .account, value: account, key: "account:" + CaseMapping.rfc1459.lowercased(account))
        } else if let userHost = event.userHost, !userHost.isEmpty {
            let mask = "*!" + userHost
            self.init(kind: .mask, value: mask, key: "mask:" + event.caseMapping.lowercased(mask))
        } else {
            self.init(kind: .nick, value: event.sender, key: "nick:" + event.caseMapping.lowercased(event.sender))
        }
    }

    public init(kind: Kind, value: String, key: String) {
        self.kind = kind
        self.value = value
        self.key = key
    }

    public var description: String { value }

    /// The sender's full mask for the audit log: `nick!user@host`, or the nick alone.
    public static func mask(of event: ChatEvent) -> String {
        event.userHost.map { "\(event.sender)!\($0)" } ?? event.sender
    }
}
