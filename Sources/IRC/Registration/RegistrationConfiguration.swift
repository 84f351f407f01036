/// What registration needs to know about who we are and how we log in.
///
/// Secrets live here only for the length of a connection; the state machine never puts them
/// into a `log` action.
public struct RegistrationConfiguration: Sendable, Hashable {
    public var nick: String
    /// Tried in order after `nick` is refused, before generated `nick_`, `nick__`, ….
    public var alternateNicks: [String]
    public var username: String
    public var realname: String
    /// Server password (`PASS`), sent before `NICK`.
    public var password: String?
    public var sasl: SASLCredentials?
    /// When SASL is configured but cannot complete: `true` disconnects (and asks for a retry),
    /// `false` carries on unauthenticated.
    public var saslRequired: Bool
    /// Sent as `PRIVMSG NickServ :IDENTIFY <account> <password>` after 001 when SASL did not log us in.
    public var nickservPassword: String?
    /// NICKLEN, when known from an earlier connection to the same network; generated fallback
    /// nicks are shortened to fit it.
    public var maxNickLength: Int?
    /// Capabilities we ask for when offered. `sasl` is only requested when credentials are set.
    public var capabilities: [String]
    /// How this connection is secured, for what an `sts` capability means on it.
    public var transport: STSPolicy.Transport = .plain

    public static let defaultCapabilities = [
        "sasl", "server-time", "message-tags", "account-tag", "extended-join", "account-notify",
        "multi-prefix", "batch", "cap-notify", "away-notify", "chghost",
        // Confirmed sends (`SendConfirmations`): the server echoes our lines, labelled with
        // the label we put on them.
        "echo-message", "labeled-response",
    ]

    public init(
        nick: String,
        alternateNicks: [String] = [],
        username: String? = nil,
        realname: String? = nil,
        password: String? = nil,
        sasl: SASLCredentials? = nil,
        saslRequired: Bool = false,
        nickservPassword: String? = nil,
        maxNickLength: Int? = nil,
        capabilities: [String] = RegistrationConfiguration.defaultCapabilities
    ) {
        self.nick = nick
        self.alternateNicks = alternateNicks
        self.username = username ?? nick
        self.realname = realname ?? nick
        self.password = password
        self.sasl = sasl
        self.saslRequired = saslRequired
        self.nickservPassword = nickservPassword
        self.maxNickLength = maxNickLength
        self.capabilities = capabilities
    }
}

/// How we authenticate with SASL.
public enum SASLCredentials: Sendable, Hashable {
    /// Account name and password, sent as `account\0account\0password`.
    case plain(account: String, password: String)
    /// The TLS client certificate proves who we are (CertFP); `account` optionally names the
    /// authorization identity.
    case external(account: String? = nil)
    /// SCRAM-SHA-256 or SCRAM-SHA-1 (RFC 5802/7677): the password never crosses the wire and
    /// the server has to prove that it knows it too.
    case scram(SCRAMHash, account: String, password: String)
    /// The strongest mechanism the server lists that these can satisfy: EXTERNAL when a client
    /// certificate is configured, then SCRAM-SHA-256, SCRAM-SHA-1, PLAIN when a password is.
    case automatic(account: String, password: String?, clientCertificate: Bool)

    public var mechanism: String {
        switch self {
        case .plain: return "PLAIN"
        case .external: return "EXTERNAL"
        case .scram(let hash, _, _): return hash.mechanism
        case .automatic: return "(auto)"
        }
    }

    public var account: String? {
        switch self {
        case .plain(let account, _): return account
        case .external(let account): return account
        case .scram(_, let account, _): return account
        case .automatic(let account, _, _): return account
        }
    }

    /// What `.automatic` resolves to once the server's mechanism list is known (`nil`: a bare
    /// `sasl` that lists none, so the strongest candidate is tried). Other cases are themselves.
    public func choosing(from listed: [String]?) -> SASLCredentials {
        guard case .automatic(let account, let password, let clientCertificate) = self else { return self }
        var candidates: [SASLCredentials] = []
        if clientCertificate { candidates.append(.external(account: nil)) }
        if let password {
            candidates += [
                .scram(.sha256, account: account, password: password),
                .scram(.sha1, account: account, password: password),
                .plain(account: account, password: password),
            ]
        }
        let upper = listed.map { Set($0.map { $0.uppercased() }) }
        // Nothing listed that we can do: try the strongest anyway, so 908/904 name the server's list.
        return candidates.first { upper?.contains($0.mechanism) ?? true } ?? candidates.first ?? .external(account: nil)
    }
}
