/// Which services account each nick we share a channel with is logged in to, as far as the
/// server told us: `extended-join` (the account in JOIN), `account-notify` (ACCOUNT on login
/// and logout), the `account` tag on any line (`account-tag`), and WHOX (354) / WHOIS (330)
/// answers to our lookups. A value: the client feeds it every line and asks it.
///
/// What is *trusted*: with `account-tag` every line carries the truth. Without it, what we
/// remember is only current while `account-notify` keeps us told, so `verifiedAccount(of:)`
/// answers only then; otherwise the bot looks the nick up (`lookup(for:)`) before anything
/// that needs the account.
public struct AccountTracker: Sendable, Hashable {
    /// What we know of one nick.
    public enum Knowledge: Sendable, Hashable {
        case loggedIn(String)
        case loggedOut
    }

    public var caseMapping: CaseMapping = .rfc1459
    /// Capabilities the server ACKed (`account-tag`, `account-notify`, `extended-join`).
    public var capabilities: Set<String> = []
    /// Folded nick → knowledge.
    private var known: [String: Knowledge] = [:]
    /// Folded nicks of lookups in flight: a WHOIS that ends without 330 means "logged out".
    private var whoisPending: Set<String> = []
    private var whoxPending: Set<String> = []

    /// The WHOX query type we tag our WHO requests with, so we only take our own answers.
    public static let whoxToken = "152"

    public init() {}

    /// The result of a lookup that finished with this line: the nick and what we learned
    /// (nil knowledge = the nick is not on the network).
    public struct LookupResult: Sendable, Hashable {
        public var nick: String
        public var knowledge: Knowledge?

        public init(nick: String, knowledge: Knowledge?) {
            self.nick = nick
            self.knowledge = knowledge
        }
    }

    /// Feeds one line from the server; returns the lookups it finished.
    @discardableResult
    public mutating func handle(_ message: Message) -> [LookupResult] {
        let params = message.params
        if capabilities.contains("account-tag"), let nick = message.source?.nick, message.source?.user != nil,
           ["PRIVMSG", "NOTICE", "JOIN", "ACCOUNT"].contains(message.command) {
            set(nick, message.tag("account").map { .loggedIn($0) } ?? .loggedOut)
        }
        switch message.command {
        case "JOIN":
            // extended-join: JOIN <channel> <account|*> :<realname>
            if capabilities.contains("extended-join"), let nick = message.source?.nick, params.count >= 3 {
                set(nick, Self.knowledge(params[1], none: "*"))
            }
        case "ACCOUNT":
            if let nick = message.source?.nick, let account = params.first {
                set(nick, Self.knowledge(account, none: "*"))
            }
        case "NICK":
            if let old = message.source?.nick, let new = params.first {
                let value = known.removeValue(forKey: caseMapping.lowercased(old))
                known[caseMapping.lowercased(new)] = value
            }
        case "QUIT", "PART":
            // After a PART they may still share another channel with us, but we no longer
            // know that account-notify keeps us told: forget, and look up when it matters.
            if let nick = message.source?.nick { known[caseMapping.lowercased(nick)] = nil }
        case "KICK":
            if params.count >= 2 { known[caseMapping.lowercased(params[1])] = nil }
        case "354":
            // RPL_WHOSPCRPL <me> <token> <nick> <account>, for `WHO <nick> %tna,<token>`; "0" = none.
            guard params.count >= 4, params[1] == Self.whoxToken else { return [] }
            let nick = params[2], knowledge = Self.knowledge(params[3], none: "0")
            set(nick, knowledge)
            if whoxPending.remove(caseMapping.lowercased(nick)) != nil {
                return [LookupResult(nick: nick, knowledge: knowledge)]
            }
        case "315":
            // RPL_ENDOFWHO <me> <mask>: no 354 for a pending lookup means no such nick.
            guard params.count >= 2, whoxPending.remove(caseMapping.lowercased(params[1])) != nil else { return [] }
            return [LookupResult(nick: params[1], knowledge: nil)]
        case "330":
            // RPL_WHOISACCOUNT <me> <nick> <account> :is logged in as
            guard params.count >= 3 else { return [] }
            set(params[1], .loggedIn(params[2]))
            if whoisPending.remove(caseMapping.lowercased(params[1])) != nil {
                return [LookupResult(nick: params[1], knowledge: .loggedIn(params[2]))]
            }
        case "318":
            // RPL_ENDOFWHOIS: no 330 before it → not logged in.
            guard params.count >= 2, whoisPending.remove(caseMapping.lowercased(params[1])) != nil else { return [] }
            set(params[1], .loggedOut)
            return [LookupResult(nick: params[1], knowledge: .loggedOut)]
        case "401":
            // ERR_NOSUCHNICK for a WHOIS (318 follows on most servers; this covers the rest).
            guard params.count >= 2, whoisPending.remove(caseMapping.lowercased(params[1])) != nil else { return [] }
            return [LookupResult(nick: params[1], knowledge: nil)]
        default:
            break
        }
        return []
    }

    /// What we remember about `nick`, trusted or not.
    public func knowledge(of nick: String) -> Knowledge? {
        known[caseMapping.lowercased(nick)]
    }

    /// The account of `nick` when what we know is current: always with `account-tag` (the
    /// caller passes the tag's value), else only while `account-notify` and `extended-join`
    /// keep us told and we know the nick. `.none` = not known, look it up.
    public func verifiedKnowledge(of nick: String, tag: String?) -> Knowledge? {
        if capabilities.contains("account-tag") { return tag.map { .loggedIn($0) } ?? .loggedOut }
        guard capabilities.contains("account-notify"), capabilities.contains("extended-join") else { return nil }
        return knowledge(of: nick)
    }

    /// The line that asks the server who `nick` is logged in as: WHOX when offered (one line
    /// back), else WHOIS (330 carries the account). Remembers the lookup is pending.
    public mutating func lookup(for nick: String, support: ISupport) -> Message {
        if support.value("WHOX") != nil {
            whoxPending.insert(caseMapping.lowercased(nick))
            return Message("WHO", nick, "%tna,\(Self.whoxToken)")
        }
        whoisPending.insert(caseMapping.lowercased(nick))
        return Message("WHOIS", nick)
    }

    /// Forgets everything (a new connection).
    public mutating func reset() {
        known = [:]
        whoisPending = []
        whoxPending = []
    }

    /// Bounds memory on huge networks: beyond this many nicks we start over (lookups refill).
    static let capacity = 20_000

    private mutating func set(_ nick: String, _ knowledge: Knowledge) {
        if known.count >= Self.capacity { known = [:] }
        known[caseMapping.lowercased(nick)] = knowledge
    }

    private static func knowledge(_ value: String, none: String) -> Knowledge {
        value == none || value.isEmpty ? .loggedOut : .loggedIn(value)
    }
}
