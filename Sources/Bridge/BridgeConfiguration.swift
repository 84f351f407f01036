import Foundation
import IRC

/// Who counts as whom on one network (`owner_masks`, `require_account` in its `[[networks]]`).
public struct NetworkAccess: Sendable, Hashable {
    /// Senders matching one of these are owners (for networks without services).
    public var ownerMasks: [HostmaskPattern]
    /// Only senders logged in to a services account may submit jobs.
    public var requireAccount: Bool

    /// `accept_invites`: whether an INVITE from a channel operator has the bot join.
    public var acceptInvites: InviteAcceptance
    /// `max_channels`: an invitation is refused once the bot wants this many channels here.
    public var maxChannels: Int

    public init(ownerMasks: [HostmaskPattern] = [], requireAccount: Bool = false,
                acceptInvites: InviteAcceptance = .off, maxChannels: Int = 20) {
        self.ownerMasks = ownerMasks
        self.requireAccount = requireAccount
        self.acceptInvites = acceptInvites
        self.maxChannels = maxChannels
    }
}

/// How `--fast/--relax/--turbo` reach the proxy.
public enum SpeedModeRouting: String, Sendable, Hashable {
    /// `accountFilter.modes` in the request body.
    case filter
    /// The `/mj-fast/mj/...` path prefix (new-api gateways strip the filter).
    case path
}

/// Everything the bridge's behaviour depends on; built by the App from `bot.conf`. The
/// reloadable part (owners, prefix, reply style, progress) is only the starting value of
/// `LiveSettings`: read it from `ChatBridge.live`, which `!reload` replaces.
public struct BridgeConfiguration: Sendable {
    public var commandPrefix: String
    /// Networks with a command prefix of their own (`[[matrix]] command_prefix`); the others use `commandPrefix`.
    public var networkPrefixes: [String: String] = [:]
    public var replyStyle: ChatStyle
    /// `!version` answer, e.g. `mjbridge 0.1.0`.
    public var versionText: String
    /// Services accounts of the bot's admins (compared case-insensitively).
    public var ownerAccounts: [String]
    /// `<public_base_url>/callback/<secret>`, sent as `notifyHook`; nil = polling only.
    public var notifyHook: String?
    public var speedModeRouting: SpeedModeRouting
    public var pollSchedule: PollSchedule
    /// At most this many ids per `list-by-condition` request.
    public var pollBatchSize: Int
    /// A task with no result after this long is reported as timed out.
    public var taskDeadline: TimeInterval
    /// At most one progress line per task per this interval.
    public var progressMinimumInterval: TimeInterval
    public var defaultProgress: ProgressPolicy
    /// Per channel, keyed by `ProgressKey.make(network:channel:)`.
    public var channelProgress: [String: ProgressPolicy]
    /// How many tasks `!tasks` lists.
    public var tasksListed: Int
    /// Quotas, pending caps, cooldown, command rate and banned words (`[limits]`). The App
    /// always passes the configured table; built in code (tests, the demo) they are off.
    public var limits: LimitSettings
    /// Signs the `state` of each task and checks it before adopting a task the store lacks;
    /// nil = no state is sent and nothing is adopted.
    public var routeStateKey: RouteStateKey?
    /// Where an adopted task's results may go (the configured networks).
    public var routeTargets = RouteTargetRules(networks: [])
    /// Callbacks hinted within this window are asked about in one request. 10 ms: a result
    /// waits at most that long for its question (issue 9: p99 ≤ 20 ms from callback to the
    /// line), and the proxy still gets at most one question per 10 ms however many callbacks
    /// arrive (it was 300 ms, which alone put every result 0–300 ms late).
    public var callbackWindow: Duration = .milliseconds(10)
    /// At most this many hinted ids wait for the proxy; more are dropped (polling covers them).
    public var maxPendingHints = 1000
    /// Per network (keyed by name): owner masks and whether only identified users submit.
    public var networkAccess: [String: NetworkAccess]
    /// Finished tasks older than this many days (and their outbox lines) are pruned by the
    /// hourly clean-up; 0 keeps them forever. Pending tasks are never pruned.
    public var taskRetentionDays = 30
    /// A submission neither recorded as a task nor found again (callback, the proxy's task
    /// list) this long after it was written is reported to its user as lost track of. Long
    /// enough for a callback, longer than any submit request may take.
    public var intentGracePeriod: TimeInterval = 5 * 60
    /// How often open intents older than `intentCheckAge` are looked for while running.
    public var intentCheckInterval: TimeInterval = 60
    /// Open intents younger than this may still have their submit in flight: left alone.
    public var intentCheckAge: TimeInterval = 60
    /// Retry pacing and when owed lines are given up on (`bot.outbox_hold_hours`).
    public var deliveryPolicy = DeliveryPolicy()
    /// At most this many finished results are mirrored (downloaded by the image host) at once;
    /// the others wait, each still before its own result line. Only used with a `ResultImageHost`.
    public var maxConcurrentMirrors = 4
    /// A mirror that has not returned after this long counts as failed (the proxy's links are
    /// posted). The host keeps its own, shorter download deadline; this is only the bridge's
    /// guard against a host that hangs.
    public var mirrorDeadline: Duration = .seconds(60)

    public init(commandPrefix: String = "!", replyStyle: ChatStyle = .privmsg, versionText: String = "mjbridge",
                ownerAccounts: [String] = [], notifyHook: String? = nil, speedModeRouting: SpeedModeRouting = .filter,
                pollSchedule: PollSchedule = PollSchedule(), pollBatchSize: Int = 100, taskDeadline: TimeInterval = 15 * 60,
                progressMinimumInterval: TimeInterval = 20, defaultProgress: ProgressPolicy = .started,
                channelProgress: [String: ProgressPolicy] = [:], tasksListed: Int = 5,
                limits: LimitSettings = .unlimited,
                networkAccess: [String: NetworkAccess] = [:]) {
        self.networkAccess = networkAccess
        self.commandPrefix = commandPrefix
        self.replyStyle = replyStyle
        self.versionText = versionText
        self.ownerAccounts = ownerAccounts
        self.notifyHook = notifyHook
        self.speedModeRouting = speedModeRouting
        self.pollSchedule = pollSchedule
        self.pollBatchSize = max(1, pollBatchSize)
        self.taskDeadline = taskDeadline
        self.progressMinimumInterval = progressMinimumInterval
        self.defaultProgress = defaultProgress
        self.channelProgress = channelProgress
        self.tasksListed = tasksListed
        self.limits = limits
    }

    /// Sets the progress policy of one channel.
    public mutating func setProgress(_ policy: ProgressPolicy, network: String, channel: String) {
        channelProgress[Self.channelKey(network: network, channel: channel)] = policy
    }

    /// The access rules of one network (none configured: no masks, accounts not required).
    public func access(network: String) -> NetworkAccess {
        networkAccess[network] ?? NetworkAccess()
    }

    public static func channelKey(network: String, channel: String) -> String {
        "\(network)\u{1}\(ChatText.caseFolded(channel))"
    }
}
