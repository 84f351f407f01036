import Foundation
import Logging
import Store

/// Per-channel settings as they are now: `bot.conf`'s values with what the owners changed
/// from chat (`!progress`, `!join`, `!part`) on top. Changes are written to the store first,
/// so they survive a restart; reads come from memory after the first.
public actor ChannelSettings {
    /// The configured policies, as of the last reload.
    private let live: LiveSettingsHolder
    private let store: any BotStore
    private let logger: Logger
    /// Keyed by `BridgeConfiguration.channelKey`; nil until loaded.
    private var changed: [String: ChannelSetting]?
    /// Changes written so far (a `reload` that overlapped one reads again).
    private var writes = 0

    public init(configuration: BridgeConfiguration, store: any BotStore, logger: Logger = Logger(label: "mjbridge.bridge"),
                live: LiveSettingsHolder? = nil) {
        self.live = live ?? LiveSettingsHolder(LiveSettings(configuration))
        self.store = store
        self.logger = logger
    }

    /// The policy for a channel; private conversations use the default.
    public func progressPolicy(network: String, channel: String?) async -> ProgressPolicy {
        if let channel, let value = await setting(network: network, channel: channel)?.progress,
           let policy = ProgressPolicy(rawValue: value) {
            return policy
        }
        return live.current.progressPolicy(network: network, channel: channel)
    }

    /// Whether the channel's policy was set from chat (else it is the configured one).
    public func progressWasChanged(network: String, channel: String) async -> Bool {
        await setting(network: network, channel: channel)?.progress != nil
    }

    public func setProgress(_ policy: ProgressPolicy, network: String, channel: String, at date: Date) async throws {
        try await update(network: network, channel: channel, at: date) { $0.progress = policy.rawValue }
    }

    /// Records that the owners had the bot join (with `key`) or leave a channel.
    public func setMembership(_ membership: ChannelSetting.Membership, key: String?, network: String, channel: String,
                              at date: Date) async throws {
        try await update(network: network, channel: channel, at: date) { setting in
            setting.membership = membership
            setting.joinKey = membership == .joined ? key : nil
        }
    }

    /// What the owners (or an invitation) last decided about the channel; nil: nothing, the
    /// configuration rules.
    public func membership(network: String, channel: String) async -> ChannelSetting.Membership? {
        await setting(network: network, channel: channel)?.membership
    }

    /// Whether the owners had the bot join `channel` from chat (`!join`, an invitation) and
    /// did not part it since: such a channel's lines are held, never dead-lettered as unwanted.
    public func isJoinedFromChat(network: String, channel: String) async -> Bool {
        await setting(network: network, channel: channel)?.membership == .joined
    }

    /// Channels joined or left from chat, to apply again after a restart: per network, the
    /// oldest decision first, so that where two rows are one channel the newest stands (a
    /// Matrix room stored under its alias by an older version, and under its room id since).
    public func memberships() async -> [ChannelSetting] {
        await loaded().values.filter { $0.membership != nil }.sorted {
            ($0.network, $0.updatedAt, $0.channelKey) < ($1.network, $1.updatedAt, $1.channelKey)
        }
    }

    private func setting(network: String, channel: String) async -> ChannelSetting? {
        await loaded()[BridgeConfiguration.channelKey(network: network, channel: channel)]
    }

    private func update(network: String, channel: String, at date: Date,
                        _ body: @escaping @Sendable (inout ChannelSetting) -> Void) async throws {
        _ = await loaded()
        let saved = try await store.updateChannelSetting(network: network, channel: channel, at: date, body)
        writes += 1
        changed?[BridgeConfiguration.channelKey(network: network, channel: channel)] = saved
    }

    /// Reads the settings from the store again. Several processes on one database: the
    /// holder of a network changes its channels, and a process that takes the network over
    /// must not go by what it read before (at its own start, or when it last held it).
    /// A change made here while the store is read is not lost: the read is repeated.
    public func reload() async {
        while true {
            let before = writes
            // On a failure the settings read before stay (the next takeover tries again).
            guard let fresh = await read() else { return }
            if writes == before {
                changed = fresh
                return
            }
        }
    }

    private func loaded() async -> [String: ChannelSetting] {
        if let changed { return changed }
        // The configured values still work; the next read tries again.
        guard let byKey = await read() else { return [:] }
        if let changed { return changed }
        changed = byKey
        return byKey
    }

    private func read() async -> [String: ChannelSetting]? {
        var byKey: [String: ChannelSetting] = [:]
        do {
            for setting in try await store.channelSettings() {
                byKey[BridgeConfiguration.channelKey(network: setting.network, channel: setting.channel)] = setting
            }
        } catch {
            logger.error("cannot read channel settings", metadata: ["error": "\(error)"])
            return nil
        }
        return byKey
    }
}
