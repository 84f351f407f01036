import Bridge
import Foundation
import Store

/// What re-reading `bot.conf` means for a running bot: which reloadable settings changed,
/// which channels to join or leave, and which changes only a restart can apply. Pure: the
/// `ConfigReloader` executes it.
///
/// Reloadable: `[bot]` owners, command_prefix, reply_style, log_level; `[limits]` (all of it,
/// banned words included); per network `owner_masks`, `require_account`, the channel list
/// (joined/parted by the difference) and each channel's progress. Channels the
/// owners joined or left from chat (`!join`, `!part`, kept in the store) stay as chat left
/// them, as they do at start-up. Everything else (the connection of each network, the
/// proxy, the HTTP server, the database, networks added or removed, a channel's key) needs a
/// restart and is named in the reply; the running process keeps its old value.
///
/// A new reloadable section (e.g. `[limits]`) is compared in `init` and copied in `liveParts`.
public struct ConfigurationDiff: Sendable {
    /// A channel to JOIN or PART. Its key is never shown (`description` leaves it out).
    public struct ChannelAction: Sendable, Hashable, CustomStringConvertible {
        public var network: String
        public var channel: String
        public var key: String?
        public var description: String { "\(network) \(channel)" }
    }

    /// One reloadable setting that changed: its config key, and how the reply says it.
    public struct SettingChange: Sendable, Hashable {
        public var key: String
        public var text: String
    }

    public private(set) var changes: [SettingChange] = []
    public private(set) var joins: [ChannelAction] = []
    public private(set) var parts: [ChannelAction] = []
    /// Config channel changes that a chat change overrides, as the reply says them.
    public private(set) var keptByChat: [String] = []
    /// Keys whose new value waits for a restart (`networks[0].port`, `proxy.base_url`).
    public private(set) var needsRestart: [String] = []
    /// The configuration the process runs with afterwards: the new file's reloadable parts on
    /// the old fixed ones, so the next reload still names what is waiting for a restart.
    public let effective: Configuration

    /// - Parameter chat: the channel settings changed from chat (`BotStore.channelSettings()`).
    public init(from old: Configuration, to new: Configuration, chat: [ChannelSetting] = []) {
        effective = Self.liveParts(of: new, onto: old)
        compareBot(old.bot, new.bot)
        compareLimits(old.limits, new.limits)
        compareFixed(old, new)
        let chatByChannel = Dictionary(chat.map { (Self.channelID($0.network, $0.channel), $0) }, uniquingKeysWith: { $1 })
        let multiNetwork = old.networks.count > 1
        for (index, network) in new.networks.enumerated() {
            guard let before = old.networks.first(where: { Self.sameName($0.name, network.name) }) else {
                needsRestart.append("networks[\(index)] '\(network.name)' added")
                continue
            }
            compareNetwork(before, network, index: index)
            compareAccess(before, network, index: index)
            compareChannels(before, network, index: index, chat: chatByChannel, showNetwork: multiNetwork)
        }
        for network in old.networks where !new.networks.contains(where: { Self.sameName($0.name, network.name) }) {
            needsRestart.append("networks '\(network.name)' removed")
        }
        // `[[matrix]]` accounts (owners included) are read at start only.
        if old.matrix != new.matrix { needsRestart.append("matrix") }
    }

    /// Nothing to apply and nothing waiting for a restart.
    public var isEmpty: Bool {
        changes.isEmpty && joins.isEmpty && parts.isEmpty && keptByChat.isEmpty && needsRestart.isEmpty
    }

    /// `Reloaded bot.conf: owners 2 → 3 (+carol), joined #new, parted #old; needs a restart: networks[0].port`
    public func summary(fileName: String) -> String {
        let multiNetwork = effective.networks.count > 1
        let on = { (action: ChannelAction) in multiNetwork ? "\(action.channel) on \(action.network)" : action.channel }
        var done = changes.map(\.text)
        done += joins.map { "joined \(on($0))" }
        done += parts.map { "parted \(on($0))" }
        done += keptByChat
        var text = "Reloaded \(fileName): "
        if done.isEmpty {
            text += needsRestart.isEmpty ? "nothing changed." : "nothing changed live"
        } else {
            text += done.joined(separator: ", ")
        }
        if !needsRestart.isEmpty { text += "; needs a restart: " + needsRestart.joined(separator: ", ") }
        return text
    }

    // MARK: Reloadable

    private mutating func compareBot(_ old: BotSettings, _ new: BotSettings) {
        let before = Set(old.owners.map(ChatText.caseFolded))
        let after = Set(new.owners.map(ChatText.caseFolded))
        if before != after {
            let added = new.owners.filter { !before.contains(ChatText.caseFolded($0)) }.map { "+" + $0 }
            let removed = old.owners.filter { !after.contains(ChatText.caseFolded($0)) }.map { "−" + $0 }
            changes.append(SettingChange(key: "bot.owners",
                                         text: "owners \(before.count) → \(after.count) (\((added + removed).joined(separator: ", ")))"))
        }
        if old.commandPrefix != new.commandPrefix {
            changes.append(SettingChange(key: "bot.command_prefix", text: "command prefix \(old.commandPrefix) → \(new.commandPrefix)"))
        }
        if old.replyWithNotice != new.replyWithNotice {
            let style = { (notice: Bool) in notice ? "notice" : "privmsg" }
            changes.append(SettingChange(key: "bot.reply_style",
                                         text: "reply style \(style(old.replyWithNotice)) → \(style(new.replyWithNotice))"))
        }
        if old.logLevel != new.logLevel {
            changes.append(SettingChange(key: "bot.log_level", text: "log level \(old.logLevel) → \(new.logLevel)"))
        }
    }

    /// `[limits]` apply to the next command; the words themselves are never repeated.
    private mutating func compareLimits(_ old: LimitSettings, _ new: LimitSettings) {
        func check<T: Equatable>(_ key: String, _ value: (LimitSettings) -> T) {
            if value(old) != value(new) {
                changes.append(SettingChange(key: "limits.\(key)", text: "limits.\(key) \(value(old)) → \(value(new))"))
            }
        }
        check("daily_jobs") { $0.dailyJobs }
        check("pending_per_user") { $0.pendingPerUser }
        check("pending_per_channel") { $0.pendingPerChannel }
        check("pending_total") { $0.pendingTotal }
        check("cooldown_seconds") { $0.cooldownSeconds }
        check("commands_per_30s") { $0.commandsPer30s }
        check("admins_exempt") { $0.adminsExempt }
        if old.bannedWords != new.bannedWords {
            changes.append(SettingChange(key: "limits.banned_words",
                                         text: "banned words \(old.bannedWords.count) → \(new.bannedWords.count)"))
        }
    }

    /// Owner masks and `require_account` apply to the next line on that network.
    private mutating func compareAccess(_ old: NetworkSettings, _ new: NetworkSettings, index: Int) {
        if old.ownerMasks != new.ownerMasks {
            changes.append(SettingChange(key: "networks[\(index)].owner_masks",
                                         text: "owner masks on \(new.name) \(old.ownerMasks.count) → \(new.ownerMasks.count)"))
        }
        if old.requireAccount != new.requireAccount {
            changes.append(SettingChange(key: "networks[\(index)].require_account",
                                         text: "require_account on \(new.name) \(old.requireAccount) → \(new.requireAccount)"))
        }
        if old.acceptInvites != new.acceptInvites {
            changes.append(SettingChange(key: "networks[\(index)].accept_invites",
                                         text: "accept_invites on \(new.name) \(old.acceptInvites) → \(new.acceptInvites)"))
        }
        if old.maxChannels != new.maxChannels {
            changes.append(SettingChange(key: "networks[\(index)].max_channels",
                                         text: "max_channels on \(new.name) \(old.maxChannels) → \(new.maxChannels)"))
        }
    }

    private mutating func compareChannels(_ old: NetworkSettings, _ new: NetworkSettings, index: Int,
                                          chat: [String: ChannelSetting], showNetwork: Bool) {
        let on = showNetwork ? " on \(new.name)" : ""
        for channel in new.channels {
            let id = Self.channelID(new.name, channel.name)
            let fromChat = chat[id]
            guard let previous = old.channels.first(where: { Self.channelID(old.name, $0.name) == id }) else {
                switch fromChat?.membership {
                case .parted?: keptByChat.append("not joining \(channel.name)\(on) (left from chat)")
                case .joined?: break // already there, joined from chat
                case nil: joins.append(ChannelAction(network: new.name, channel: channel.name, key: channel.key?.value))
                }
                continue
            }
            if previous.progress != channel.progress,
               let before = ProgressPolicy(configValue: previous.progress), let after = ProgressPolicy(configValue: channel.progress),
               before != after {
                let chatSays = fromChat?.progress.map { " (\($0) set from chat stays)" } ?? ""
                changes.append(SettingChange(key: "networks[\(index)].channels[\(channel.name)].progress",
                                             text: "progress \(channel.name)\(on) \(before.rawValue) → \(after.rawValue)\(chatSays)"))
            }
            if previous.key?.value != channel.key?.value {
                needsRestart.append("networks[\(index)].channels[\(channel.name)].key")
            }
        }
        for channel in old.channels {
            let id = Self.channelID(old.name, channel.name)
            guard !new.channels.contains(where: { Self.channelID(new.name, $0.name) == id }) else { continue }
            switch chat[id]?.membership {
            case .joined?: keptByChat.append("staying in \(channel.name)\(on) (joined from chat)")
            case .parted?: break // already out, left from chat
            case nil: parts.append(ChannelAction(network: new.name, channel: channel.name, key: nil))
            }
        }
    }

    // MARK: Fixed until a restart

    private mutating func compareFixed(_ old: Configuration, _ new: Configuration) {
        func check<T: Equatable>(_ key: String, _ value: (Configuration) -> T) {
            if value(old) != value(new) { needsRestart.append(key) }
        }
        check("bot.database") { $0.bot.databasePath }
        // The bridge's hourly clean-up is built with it at start.
        check("bot.task_retention_days") { $0.bot.taskRetentionDays }
        // The delivery workers are built with it at start.
        check("bot.outbox_hold_hours") { $0.bot.outboxHoldHours }
        // In the realname (sent at registration) and the VERSION answers, built at start.
        check("bot.operator_contact") { $0.bot.operatorContact }
        // The store is opened, and the ownership session set up, once at start.
        check("store.url") { $0.store.postgres?.displayURL }
        check("store.password") { $0.store.password?.value }
        check("store.max_networks_per_process") { $0.store.maxNetworksPerProcess }
        check("store.takeover_seconds") { $0.store.takeoverSeconds }
        check("proxy.base_url") { $0.proxy.baseURL }
        check("proxy.api_key") { $0.proxy.apiKey?.value }
        check("proxy.auth_style") { $0.proxy.authStyle }
        check("proxy.speed_mode_routing") { $0.proxy.speedModeRouting }
        check("proxy.request_timeout_seconds") { $0.proxy.requestTimeoutSeconds }
        check("proxy.poll_interval_seconds") { $0.proxy.pollIntervalSeconds }
        check("proxy.poll_batch_size") { $0.proxy.pollBatchSize }
        check("proxy.task_deadline_minutes") { $0.proxy.taskDeadlineMinutes }
        check("http.listen") { $0.http.listen }
        check("http.public_base_url") { $0.http.publicBaseURL }
        check("http.callback_secret") { $0.http.callbackSecret?.value }
        check("http.metrics_listen") { $0.http.metricsListen }
        // The image fetcher is built once at start.
        check("images.allow_networks") { $0.images.allowNetworks.map(\.description) }
        check("images.max_concurrent_downloads") { $0.images.maxConcurrentDownloads }
        check("images.download_budget_mb") { $0.images.downloadBudgetBytes }
        check("images.max_image_mb") { $0.images.maxImageBytes }
        // The image host (its links, store and retention) is built once at start.
        check("images.public_base_url") { $0.images.publicBaseURL }
        check("images.store_dir") { $0.images.storeDirectory }
        check("images.retention_days") { $0.images.retentionDays }
        check("images.max_store_mb") { $0.images.maxStoreBytes }
    }

    private mutating func compareNetwork(_ old: NetworkSettings, _ new: NetworkSettings, index: Int) {
        func check<T: Equatable>(_ key: String, _ value: (NetworkSettings) -> T) {
            if value(old) != value(new) { needsRestart.append("networks[\(index)].\(key)") }
        }
        check("host") { $0.host }
        check("port") { $0.port }
        check("tls") { $0.tls }
        check("tls_verify") { $0.tlsVerify }
        check("ca_file") { $0.caFile }
        check("tls_fingerprint") { $0.tlsFingerprints }
        check("client_cert") { $0.clientCert }
        check("client_key") { $0.clientKey }
        check("nick") { $0.nick }
        check("alt_nicks") { $0.altNicks }
        check("username") { $0.username }
        check("realname") { $0.realname }
        check("server_password") { $0.serverPassword?.value }
        check("sasl_mechanism") { $0.saslMechanism }
        check("sasl_account") { $0.saslAccount }
        check("sasl_password") { $0.saslPassword?.value }
        check("sasl_required") { $0.saslRequired }
        check("nickserv_password") { $0.nickservPassword?.value }
        check("flood_burst") { $0.floodBurst }
        check("flood_interval_seconds") { $0.floodIntervalSeconds }
        check("ping_idle_seconds") { $0.pingIdleSeconds }
        check("ping_timeout_seconds") { $0.pingTimeoutSeconds }
        check("rejoin_on_kick") { $0.rejoinOnKick }
        check("rejoin_delay_seconds") { $0.rejoinDelaySeconds }
        check("nick_regain_seconds") { $0.nickRegainSeconds }
        check("join_retry_max_seconds") { $0.joinRetryMaxSeconds }
        check("quit_message") { $0.quitMessage }
    }

    // MARK: Helpers

    /// `old` with `new`'s reloadable parts: the `[bot]` live keys and, for each network both
    /// have, its channels (keeping a channel's old key, which the connection still uses).
    static func liveParts(of new: Configuration, onto old: Configuration) -> Configuration {
        var result = old
        result.bot.owners = new.bot.owners
        result.bot.commandPrefix = new.bot.commandPrefix
        result.bot.replyWithNotice = new.bot.replyWithNotice
        result.bot.logLevel = new.bot.logLevel
        result.limits = new.limits
        for index in result.networks.indices {
            guard let updated = new.networks.first(where: { sameName($0.name, result.networks[index].name) }) else { continue }
            let before = result.networks[index]
            result.networks[index].ownerMasks = updated.ownerMasks
            result.networks[index].requireAccount = updated.requireAccount
            result.networks[index].acceptInvites = updated.acceptInvites
            result.networks[index].maxChannels = updated.maxChannels
            result.networks[index].channels = updated.channels.map { channel in
                var channel = channel
                let id = channelID(before.name, channel.name)
                if let kept = before.channels.first(where: { channelID(before.name, $0.name) == id }) { channel.key = kept.key }
                return channel
            }
        }
        return result
    }

    static func sameName(_ a: String, _ b: String) -> Bool {
        a.lowercased() == b.lowercased()
    }

    /// Network and channel as the store keys them (RFC 1459 folding).
    static func channelID(_ network: String, _ channel: String) -> String {
        "\(network.lowercased())\u{1}\(TaskRoute.fold(channel))"
    }
}
