import IRC

/// Everything one network connection needs. Defaults follow what good IRC bots do: TLS with
/// verification on, 5-line burst then one line per 2 s, PING after 90 s of silence, backoff
/// from 2 s to 5 min.
public struct IRCConnectionConfiguration: Sendable {
    /// A short name for logs and events ("libera").
    public var name: String
    public var host: String
    public var port: Int
    public var tls: Bool
    /// Off only when set explicitly; logged as a warning.
    public var tlsVerify: Bool
    /// PEM file with extra trust roots (a private CA), added to the system store.
    public var caFile: String?
    /// PEM client certificate and key: CertFP and SASL EXTERNAL.
    public var clientCertificate: String?
    public var clientKey: String?
    /// `tls_fingerprint`: SHA-256 pins of the server's certificate or public key. When set,
    /// they alone decide (no CA chain, expiry or host name check); a mismatch stops the client.
    public var tlsFingerprints: [CertificatePin] = []

    public var nick: String
    public var alternateNicks: [String]
    public var username: String
    public var realname: String
    /// Server password (`PASS`).
    public var password: String?
    public var sasl: SASLCredentials?
    public var saslRequired: Bool
    public var nickservPassword: String?

    public var channels: [Channel]
    public var flood: Flood
    public var ping: Ping
    public var reconnect: Reconnect
    public var rejoinOnKick: Bool
    public var rejoinDelay: Duration
    /// While we sit on a fallback nick, ask for the configured one this often (nil or zero:
    /// never; at least every 0.1 s).
    public var nickRegainInterval: Duration?
    /// A JOIN refused as full, invite-only, banned or wrong key (471/473/474/475) is tried
    /// again after `rejoinDelay`, doubling per refusal up to this wait.
    public var joinRetryMaximum: Duration
    public var quitMessage: String
    /// From TCP connect to 001.
    public var registrationTimeout: Duration
    public var connectTimeout: Duration
    /// CTCP VERSION reply.
    public var version: String
    /// IRCv3 capabilities asked for when offered. Tests narrow it to play a server without
    /// `account-tag` (or without any), where accounts come from extended-join/account-notify
    /// or lookups.
    public var capabilities: [String] = RegistrationConfiguration.defaultCapabilities
    /// How long a line given to `deliver` may wait, once written, for the server's answer (its
    /// echo, an error, the PONG of the barrier after it). Servers answer within a round trip,
    /// lag on a busy network is seconds; no answer in 30 s means the server stopped reading
    /// (half-open connection, frozen process), so the connection is closed and reopened like
    /// the ping watchdog would, only sooner (that takes up to ping idle + timeout), and the
    /// unconfirmed lines are the caller's to send again.
    public var confirmTimeout: Duration = .seconds(30)
    /// Lines read from the server and not handled yet, at most: then the client stops reading
    /// from the socket until it is down to a quarter (TCP makes the server wait; nothing lost).
    public var readBacklogLimit = 1024
    /// Events not yet taken from `IRCConnection.events`, at most, before chat messages are
    /// dropped (and counted); other events are never dropped.
    public var eventBacklogLimit = 1024

    /// A channel with its key (the same value the session state machine keeps).
    public typealias Channel = WantedChannel

    public struct Flood: Sendable, Hashable {
        /// Lines that may go out back to back.
        public var burst: Int
        /// Then one line per `interval`.
        public var interval: Duration
        /// Extra cost per started block of this many bytes (long lines cost more), nil for none.
        public var penaltyBytes: Int?
        public init(burst: Int = 5, interval: Duration = .seconds(2), penaltyBytes: Int? = nil) {
            self.burst = burst
            self.interval = interval
            self.penaltyBytes = penaltyBytes
        }

        /// The same settings for `FloodControl`.
        var control: FloodControl.Configuration {
            FloodControl.Configuration(burst: burst, interval: interval, penaltyBytes: penaltyBytes)
        }
    }

    public struct Ping: Sendable, Hashable {
        /// Send PING after this much silence from the server.
        public var idle: Duration
        /// Reconnect when nothing arrives this long after our PING.
        public var timeout: Duration
        public init(idle: Duration = .seconds(90), timeout: Duration = .seconds(60)) {
            self.idle = idle
            self.timeout = timeout
        }
    }

    public struct Reconnect: Sendable, Hashable {
        public var minimum: Duration
        public var maximum: Duration
        /// A connection that lasted this long resets the backoff.
        public var resetAfter: Duration
        public init(minimum: Duration = .seconds(2), maximum: Duration = .seconds(300), resetAfter: Duration = .seconds(300)) {
            self.minimum = minimum
            self.maximum = maximum
            self.resetAfter = resetAfter
        }
    }

    public init(
        name: String? = nil,
        host: String,
        port: Int = 6697,
        tls: Bool = true,
        tlsVerify: Bool = true,
        caFile: String? = nil,
        clientCertificate: String? = nil,
        clientKey: String? = nil,
        nick: String,
        alternateNicks: [String] = [],
        username: String? = nil,
        realname: String? = nil,
        password: String? = nil,
        sasl: SASLCredentials? = nil,
        saslRequired: Bool = false,
        nickservPassword: String? = nil,
        channels: [Channel] = [],
        flood: Flood = Flood(),
        ping: Ping = Ping(),
        reconnect: Reconnect = Reconnect(),
        rejoinOnKick: Bool = true,
        rejoinDelay: Duration = .seconds(10),
        nickRegainInterval: Duration? = .seconds(60),
        joinRetryMaximum: Duration = .seconds(600),
        quitMessage: String = "mjbridge",
        registrationTimeout: Duration = .seconds(60),
        connectTimeout: Duration = .seconds(15),
        version: String = "mjbridge"
    ) {
        self.name = name ?? host
        self.host = host
        self.port = port
        self.tls = tls
        self.tlsVerify = tlsVerify
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.nick = nick
        self.alternateNicks = alternateNicks
        self.username = username ?? nick
        self.realname = realname ?? nick
        self.password = password
        self.sasl = sasl
        self.saslRequired = saslRequired
        self.nickservPassword = nickservPassword
        self.channels = channels
        self.flood = flood
        self.ping = ping
        self.reconnect = reconnect
        self.rejoinOnKick = rejoinOnKick
        self.rejoinDelay = rejoinDelay
        self.nickRegainInterval = nickRegainInterval
        self.joinRetryMaximum = joinRetryMaximum
        self.quitMessage = quitMessage
        self.registrationTimeout = registrationTimeout
        self.connectTimeout = connectTimeout
        self.version = version
    }

    /// What the session state machine needs.
    var session: SessionConfiguration {
        SessionConfiguration(nick: nick, channels: channels, rejoinOnKick: rejoinOnKick, rejoinDelay: rejoinDelay,
                             nickRegainInterval: nickRegainInterval, joinRetryMaximum: joinRetryMaximum)
    }

    /// What the registration state machine needs; `maxNickLength` is learned from 005.
    func registration(maxNickLength: Int?) -> RegistrationConfiguration {
        RegistrationConfiguration(
            nick: nick, alternateNicks: alternateNicks, username: username, realname: realname,
            password: password, sasl: sasl, saslRequired: saslRequired,
            nickservPassword: nickservPassword, maxNickLength: maxNickLength, capabilities: capabilities
        )
    }
}
