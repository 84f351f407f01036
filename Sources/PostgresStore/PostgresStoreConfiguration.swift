import Foundation

/// Where the shared database is: `[store] url = "postgres://user@host:port/db?sslmode=…"`, the
/// password kept apart (from the environment or a file, like every secret; never in the URL a
/// log line might print).
public struct PostgresStoreConfiguration: Sendable, Equatable {
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP (a loopback or otherwise protected link only).
        case disable
        /// TLS required, the server's certificate verified against the trust roots (or
        /// `caFile`) and its name: the default, as everywhere in the bot.
        case verifyFull = "verify-full"
        /// TLS required, the certificate not verified (an operator's explicit choice).
        case require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var password: String?
    public var tls: TLSMode
    /// PEM file of the CA that signed the server's certificate (for `verify-full`).
    public var caFile: String?
    /// Connections of this process's pool (the ownership locks use their own sessions).
    ///
    /// Sizing: every process opens up to this many, so the database must allow
    /// `processes × (maximumConnections + ownership sessions) + a margin for operators` within
    /// its `max_connections` (default 100, of which 3 are reserved for superusers). Twenty
    /// processes at 4 stay under 100; at 8 they would not, and new connections would fail with
    /// "too many clients" (53300). The bot's queries are short, so a few connections carry it;
    /// waiters queue in the pool rather than on the server.
    public var maximumConnections: Int
    /// How long a store call waits for a connection of the pool before it fails with
    /// `connectionWaitExpired` instead of waiting for good. PostgresNIO's pool (1.33.2) was seen
    /// to leave a request waiting without ever making a new connection after one was cut
    /// (NOTES-README-poolstall.md); a bot must report that, not stall. Not a config key: the
    /// default suits every deployment (a healthy pool leases in milliseconds, and a queue of
    /// short queries behind a few connections clears in well under a second).
    public var connectionWaitLimit: Duration = .seconds(30)
    /// How long a store call that has its connection waits for the end of its work before the
    /// connection counts as stuck: the call fails with `commitOutcomeUnknown` (a write may or may
    /// not have been saved) and the connection is closed. In loaded test runs a read on a pooled
    /// connection whose session the server had just terminated was seen to get no answer at all
    /// (NOTES-README-poolstall.md). Well above `timeouts.statement`, which ends a slow statement
    /// on the server first.
    public var connectionAnswerLimit: Duration = .seconds(120)
    /// Server-side limits every session of the store starts with (see `Timeouts`).
    public var timeouts: Timeouts

    /// Limits sent as startup parameters of every connection (the pool's and the probe's), so a
    /// process that freezes or is cut off cannot hold the others up for long: the server itself
    /// ends what the client abandoned, without waiting for TCP keepalive (hours by default).
    public struct Timeouts: Sendable, Equatable {
        /// A session idle inside a transaction for this long (its process frozen, dead or cut
        /// off between two statements) is ended by the server, and its row and advisory locks
        /// are released. No transaction of the store waits on the client between statements for
        /// more than a few milliseconds, so 15 s is far from a false positive.
        public var idleInTransaction: Duration
        /// A statement waiting this long for a lock another session holds fails with
        /// lock_not_available (55P03) instead of waiting on; this bounds how long a stuck peer
        /// can keep a connection of this pool busy. Longer than `idleInTransaction`, so a lock
        /// left by a frozen peer is normally freed before waiters give up.
        public var lock: Duration
        /// A statement running this long is cancelled (57014): the store's statements take
        /// milliseconds; a minute means something is wrong (migrations lift it for themselves).
        public var statement: Duration

        public init(idleInTransaction: Duration = .seconds(15), lock: Duration = .seconds(20),
                    statement: Duration = .seconds(60)) {
            self.idleInTransaction = idleInTransaction
            self.lock = lock
            self.statement = statement
        }

        /// As PostgreSQL startup parameters (milliseconds, at least 1: 0 would mean "no limit").
        var startupParameters: [(String, String)] {
            func milliseconds(_ duration: Duration) -> String {
                let (seconds, attoseconds) = duration.components
                return "\(max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000))ms"
            }
            return [("idle_in_transaction_session_timeout", milliseconds(idleInTransaction)),
                    ("lock_timeout", milliseconds(lock)),
                    ("statement_timeout", milliseconds(statement))]
        }
    }

    public init(host: String, port: Int = 5432, user: String, database: String, password: String? = nil,
                tls: TLSMode = .verifyFull, caFile: String? = nil, maximumConnections: Int = 4,
                timeouts: Timeouts = Timeouts()) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.password = password
        self.tls = tls
        self.caFile = caFile
        self.maximumConnections = maximumConnections
        self.timeouts = timeouts
    }

    /// Parses `postgres://user@host[:port]/database[?sslmode=disable|require|verify-full]`
    /// (`postgresql://` too). A password inside the URL is refused: it would end up in config
    /// dumps and logs; it comes from `password` instead.
    public init(url: String, password: String?) throws {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresStoreError.badURL("\(Self.redacted(url)) is not a postgres:// URL")
        }
        guard components.password == nil else {
            throw PostgresStoreError.badURL("the URL carries a password: put it in the environment or a file instead")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresStoreError.badURL("\(url) names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresStoreError.badURL("\(url) names no user (postgres://user@host/database)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresStoreError.badURL("\(url) names no database (postgres://user@host/database)")
        }
        var tls = TLSMode.verifyFull
        var caFile: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw PostgresStoreError.badURL("sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            case "sslrootcert":
                caFile = item.value
            default:
                throw PostgresStoreError.badURL("unknown URL parameter \(item.name) (known: sslmode, sslrootcert)")
            }
        }
        self.init(host: host, port: components.port ?? 5432, user: user, database: database,
                  password: password, tls: tls, caFile: caFile)
    }

    /// The URL without any password, for logs and `!pending`.
    public var displayURL: String {
        "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "(unparseable URL)"
    }
}
