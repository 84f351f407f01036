import Foundation
import Synchronization

/// The part of the bridge's configuration that `!reload` and SIGHUP can change while the bot
/// runs. Everything else in `BridgeConfiguration` is fixed for the life of the process.
///
/// A new reloadable section is one field here, one line in `init(_:)`, and its comparison in
/// the App's `ConfigurationDiff` (e.g. the `[limits]` table).
public struct LiveSettings: Sendable, Equatable {
    /// Services accounts of the bot's owners (compared case-insensitively).
    public var ownerAccounts: [String]
    /// The prefix of commands, except on the networks in `networkPrefixes`.
    public var commandPrefix: String
    /// Per network (a `[[matrix]]` account's `command_prefix`): a prefix of its own, instead of
    /// `commandPrefix`. Fixed at start (the account tables need a restart); a network without
    /// one follows `commandPrefix`, reloads included.
    public var networkPrefixes: [String: String]
    public var replyStyle: ChatStyle
    public var defaultProgress: ProgressPolicy
    /// Per channel, keyed by `BridgeConfiguration.channelKey(network:channel:)`.
    public var channelProgress: [String: ProgressPolicy]
    /// Per network: owner masks and whether only identified users submit.
    public var networkAccess: [String: NetworkAccess]
    /// `[limits]`: quotas, caps, cooldown, command rate, banned words.
    public var limits: LimitSettings

    public init(ownerAccounts: [String] = [], commandPrefix: String = "!", replyStyle: ChatStyle = .privmsg,
                defaultProgress: ProgressPolicy = .started, channelProgress: [String: ProgressPolicy] = [:],
                networkAccess: [String: NetworkAccess] = [:], limits: LimitSettings = .unlimited,
                networkPrefixes: [String: String] = [:]) {
        self.networkAccess = networkAccess
        self.networkPrefixes = networkPrefixes
        self.limits = limits
        self.ownerAccounts = ownerAccounts
        self.commandPrefix = commandPrefix
        self.replyStyle = replyStyle
        self.defaultProgress = defaultProgress
        self.channelProgress = channelProgress
    }

    /// The reloadable values of a configuration, as the process starts with them.
    public init(_ configuration: BridgeConfiguration) {
        self.init(ownerAccounts: configuration.ownerAccounts, commandPrefix: configuration.commandPrefix,
                  replyStyle: configuration.replyStyle, defaultProgress: configuration.defaultProgress,
                  channelProgress: configuration.channelProgress, networkAccess: configuration.networkAccess,
                  limits: configuration.limits, networkPrefixes: configuration.networkPrefixes)
    }

    /// The command prefix in force on `network`: its own, else the bot's.
    public func commandPrefix(network: String) -> String {
        networkPrefixes[network] ?? commandPrefix
    }

    /// The access rules of one network (none configured: no masks, accounts not required).
    public func access(network: String) -> NetworkAccess {
        networkAccess[network] ?? NetworkAccess()
    }

    /// Whether `account` (a services account the network vouched for, never a nick) is an owner.
    public func isOwner(account: String?) -> Bool {
        guard let account else { return false }
        let folded = ChatText.caseFolded(account)
        return ownerAccounts.contains { ChatText.caseFolded($0) == folded }
    }

    /// The configured policy for a channel; private conversations use the default. Changes
    /// made from chat (`!progress`) are layered on top by `ChannelSettings`.
    public func progressPolicy(network: String, channel: String?) -> ProgressPolicy {
        guard let channel else { return defaultProgress }
        return channelProgress[BridgeConfiguration.channelKey(network: network, channel: channel)] ?? defaultProgress
    }

    var addressing: ReplyAddressing { ReplyAddressing(style: replyStyle) }
    /// Texts that name commands (`next: !u1–4`, `!status <ref>`) with the prefix of `network`,
    /// where they are said.
    func renderer(network: String) -> TaskRenderer { TaskRenderer(prefix: commandPrefix(network: network)) }
}

/// The one place the running bridge reads its `LiveSettings` from. A reload swaps the whole
/// value at once, so a command never sees owners from one file and a prefix from another;
/// reads are synchronous so every existing call site stays a plain property read.
public final class LiveSettingsHolder: Sendable {
    private let value: Mutex<LiveSettings>

    public init(_ settings: LiveSettings) {
        value = Mutex(settings)
    }

    public var current: LiveSettings {
        value.withLock { $0 }
    }

    /// Replaces the settings; returns the ones they replaced.
    @discardableResult
    public func replace(with settings: LiveSettings) -> LiveSettings {
        value.withLock { current in
            let old = current
            current = settings
            return old
        }
    }
}
