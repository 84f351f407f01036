import Bridge
import Foundation
import IRCClient

/// The effective configuration of one mjbridge process, after defaults, `*_file` secrets and
/// environment overrides have been applied. Built only by `ConfigurationLoader`.
public struct Configuration: Sendable {
    public var bot: BotSettings
    public var proxy: ProxySettings
    public var http: HTTPSettings
    public var images: ImageSettings
    public var networks: [NetworkSettings]
    /// `[limits]`: quotas, pending caps, cooldown, command rate, banned words.
    public var limits: LimitSettings
    /// `[[matrix]]`: bot accounts on Matrix homeservers (none: IRC only).
    public var matrix: [MatrixSettings] = []
    /// `[store]`: the SQLite file (default) or a shared PostgreSQL database.
    public var store: StoreSettings = StoreSettings()
}

public struct BotSettings: Sendable {
    /// Prefix of channel commands (`!imagine`).
    public var commandPrefix: String
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`.
    public var logLevel: String
    /// Services account names allowed to run admin commands (matched against the account the
    /// network reports, never against a nick, which anyone can take).
    public var owners: [String]
    /// Replies as PRIVMSG (default) or NOTICE.
    public var replyWithNotice: Bool
    /// SQLite file; relative paths are resolved next to the config file.
    public var databasePath: String
    /// Days a finished task (and its outbox lines) is kept before the hourly clean-up prunes
    /// it; 0 keeps finished tasks forever. Pending tasks are never pruned.
    public var taskRetentionDays: Int = 30
    /// Hours an owed line may wait for its target (refused by the network, or the bot not in
    /// the channel) before it is given up on (dead-lettered: kept for `!pending`, never sent).
    public var outboxHoldHours: Double = 24
    /// Whom network staff reach about the bot (an email address, `nick on Libera`): put into
    /// the realname of every network and the CTCP VERSION / `!version` answer. Nil: not set.
    public var operatorContact: String?

    /// The CTCP VERSION and `!version` answer: `mjbridge 1.2.3`, with the contact when set.
    public var versionText: String {
        "mjbridge \(MJBridgeVersion.current)" + (operatorContact.map { " (contact: \($0))" } ?? "")
    }
}

public struct ProxySettings: Sendable {
    public var baseURL: String
    public var apiKey: Secret?
    /// `both` (default: `mj-api-secret` and raw `Authorization`), `bearer`, `mj-api-secret`, `authorization`.
    public var authStyle: String
    /// How `--fast/--relax/--turbo` reach the proxy: `filter` (accountFilter.modes) or `path` (`/mj-fast/mj/...`).
    public var speedModeRouting: String
    public var requestTimeoutSeconds: Double
    public var pollIntervalSeconds: Double
    public var pollBatchSize: Int
    public var taskDeadlineMinutes: Double
}

public struct HTTPSettings: Sendable {
    /// Address the callback/health/metrics server binds to, `host:port`; empty disables it.
    public var listen: String
    /// URL under which the proxy reaches `listen`; empty means no callbacks, polling only.
    public var publicBaseURL: String
    /// Path secret of `POST <public_base_url>/callback/<secret>`; generated and kept in the
    /// database when not configured.
    public var callbackSecret: Secret?
    /// Where `/health` and `/metrics` are served instead of `listen`, `host:port`; empty =
    /// on `listen` beside the callback. Lets the callback port be public and these private.
    public var metricsListen: String = ""
}

public struct ChannelSettings: Sendable, Equatable {
    public var name: String
    public var key: Secret?
    /// `off`, `started` or `quarter` (every 25 %).
    public var progress: String

    public static func == (a: ChannelSettings, b: ChannelSettings) -> Bool {
        a.name == b.name && a.key?.value == b.key?.value && a.progress == b.progress
    }
}

public struct NetworkSettings: Sendable {
    public var name: String
    public var host: String
    public var port: Int
    public var tls: Bool
    public var tlsVerify: Bool
    public var caFile: String?
    public var clientCert: String?
    public var clientKey: String?
    public var nick: String
    public var altNicks: [String]
    public var username: String
    public var realname: String
    public var serverPassword: Secret?
    /// `none`, `plain` or `external`.
    public var saslMechanism: String
    public var saslAccount: String?
    public var saslPassword: Secret?
    public var saslRequired: Bool
    public var nickservPassword: Secret?
    public var channels: [ChannelSettings]
    public var floodBurst: Int
    public var floodIntervalSeconds: Double
    public var pingIdleSeconds: Double
    public var pingTimeoutSeconds: Double
    public var rejoinOnKick: Bool
    public var rejoinDelaySeconds: Double
    /// While on a fallback nick, try the configured one this often; 0 turns it off.
    public var nickRegainSeconds: Double
    /// Longest wait between retries of a refused JOIN (+l, +i, +b, +k).
    public var joinRetryMaxSeconds: Double
    public var quitMessage: String
    /// `nick!user@host` patterns whose wearers are owners here (networks without services).
    public var ownerMasks: [String] = []
    /// Only senders logged in to a services account may submit jobs on this network.
    public var requireAccount: Bool = false
    /// `tls_fingerprint`: SHA-256 pins of the server's certificate or public key; when set,
    /// they decide instead of the CA chain and host name.
    public var tlsFingerprints: [CertificatePin] = []
    /// `accept_invites`: `off` (INVITEs are logged and ignored) or `channel-ops` (an INVITE
    /// from an operator of the channel is the permission to join it).
    public var acceptInvites: String = "off"
    /// Channels the bot may be in on this network before an invitation is refused.
    public var maxChannels: Int = 20
}
