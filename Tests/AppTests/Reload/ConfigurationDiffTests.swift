import Foundation
import IRCClient
import PostgresStore
import Store
import Testing
@testable import App

/// The pure decision behind `!reload` and SIGHUP: every section of `bot.conf`, live or not.
@Suite struct ConfigurationDiffTests {
    static let base = """
        [bot]
        owners = ["alice", "bob"]
        command_prefix = "!"
        log_level = "info"

        [proxy]
        base_url = "http://127.0.0.1:8080/mj"
        api_key = "sk-one"

        [http]
        listen = "127.0.0.1:8089"

        [[networks]]
        name = "libera"
        host = "irc.example.net"
        nick = "mjbot"
        channels = ["#art", { name = "#secret", key = "hunter2", progress = "quarter" }, { name = "#old", progress = "off" }]
        """

    static func load(_ text: String) throws -> Configuration {
        try ConfigurationLoader(environment: [:]).parse(toml: text, baseDirectory: "/etc/mjbridge")
    }

    static func edited(_ body: (inout Configuration) -> Void) throws -> Configuration {
        var config = try load(base)
        body(&config)
        return config
    }

    static func channel(_ name: String, key: String? = nil, progress: String = "started") -> App.ChannelSettings {
        App.ChannelSettings(name: name, key: key.map { Secret($0, origin: "test") }, progress: progress)
    }

    @Test func anUnchangedFileChangesNothing() throws {
        let diff = ConfigurationDiff(from: try Self.load(Self.base), to: try Self.load(Self.base))
        #expect(diff.isEmpty)
        #expect(diff.summary(fileName: "bot.conf") == "Reloaded bot.conf: nothing changed.")
        // The same values spelled differently are no change either.
        let respelled = Self.base
            .replacingOccurrences(of: "owners = [\"alice\", \"bob\"]", with: "owners = [\"Bob\", \"ALICE\"]")
            .replacingOccurrences(of: "progress = \"quarter\"", with: "progress = \"every25\"")
            .replacingOccurrences(of: "\"#art\"", with: "\"#ART\"")
        #expect(ConfigurationDiff(from: try Self.load(Self.base), to: try Self.load(respelled)).isEmpty)
    }

    @Test func ownersPrefixReplyStyleAndLogLevelChangeLive() throws {
        let old = try Self.load(Self.base)
        let new = try Self.edited {
            $0.bot.owners = ["alice", "carol", "dave"]
            $0.bot.commandPrefix = "."
            $0.bot.replyWithNotice = true
            $0.bot.logLevel = "debug"
        }
        let diff = ConfigurationDiff(from: old, to: new)
        #expect(diff.changes.map(\.key) == ["bot.owners", "bot.command_prefix", "bot.reply_style", "bot.log_level"])
        #expect(diff.joins.isEmpty && diff.parts.isEmpty && diff.needsRestart.isEmpty)
        #expect(diff.summary(fileName: "bot.conf")
                == "Reloaded bot.conf: owners 2 → 3 (+carol, +dave, −bob), command prefix ! → ., reply style privmsg → notice, log level info → debug")
        #expect(diff.effective.bot.owners == ["alice", "carol", "dave"])
        #expect(diff.effective.bot.commandPrefix == "." && diff.effective.bot.replyWithNotice && diff.effective.bot.logLevel == "debug")
        let live = diff.effective.liveSettings()
        #expect(live.isOwner(account: "Carol") && !live.isOwner(account: "bob"))
        #expect(live.commandPrefix == "." && live.replyStyle == .notice)
    }

    @Test func limitsOwnerMasksAndRequireAccountChangeLive() throws {
        let old = try Self.load(Self.base)
        let new = try Self.edited {
            $0.limits.dailyJobs = 5
            $0.limits.cooldownSeconds = 30
            $0.limits.bannedWords = ["spam", "more spam"]
            $0.networks[0].ownerMasks = ["*!*@admin.example"]
            $0.networks[0].requireAccount = true
            $0.networks[0].acceptInvites = "channel-ops"
            $0.networks[0].maxChannels = 3
        }
        let diff = ConfigurationDiff(from: old, to: new)
        #expect(diff.changes.map(\.key) == ["limits.daily_jobs", "limits.cooldown_seconds", "limits.banned_words",
                                            "networks[0].owner_masks", "networks[0].require_account",
                                            "networks[0].accept_invites", "networks[0].max_channels"])
        #expect(diff.needsRestart.isEmpty && diff.joins.isEmpty && diff.parts.isEmpty)
        // The banned words themselves are never repeated in the reply.
        #expect(!diff.summary(fileName: "bot.conf").contains("spam"))
        #expect(diff.summary(fileName: "bot.conf").contains("banned words 0 → 2"))
        let live = diff.effective.liveSettings()
        #expect(live.limits.dailyJobs == 5 && live.limits.cooldownSeconds == 30 && live.limits.bannedWords.count == 2)
        #expect(live.access(network: "libera").requireAccount)
        #expect(live.access(network: "libera").ownerMasks.count == 1)
        #expect(live.access(network: "libera").acceptInvites == .channelOperators && live.access(network: "libera").maxChannels == 3)
    }

    @Test func channelsAreJoinedAndPartedByTheDifference() throws {
        let old = try Self.load(Self.base)
        let new = try Self.edited {
            $0.networks[0].channels = [Self.channel("#art"), Self.channel("#secret", key: "hunter2", progress: "quarter"),
                                       Self.channel("#new", key: "sesame", progress: "off")]
        }
        let diff = ConfigurationDiff(from: old, to: new)
        #expect(diff.joins == [.init(network: "libera", channel: "#new", key: "sesame")])
        #expect(diff.parts == [.init(network: "libera", channel: "#old", key: nil)])
        #expect(diff.changes.isEmpty && diff.needsRestart.isEmpty)
        let text = diff.summary(fileName: "bot.conf")
        #expect(text == "Reloaded bot.conf: joined #new, parted #old")
        #expect(!text.contains("sesame") && !"\(diff.joins)".contains("sesame"), "keys are never shown")
        #expect(diff.effective.networks[0].channels.map(\.name) == ["#art", "#secret", "#new"])
        let live = diff.effective.liveSettings()
        #expect(live.progressPolicy(network: "libera", channel: "#NEW") == .off)
        #expect(live.progressPolicy(network: "libera", channel: "#old") == .started, "the default once it is gone")
    }

    @Test func channelChangesFromChatStayOnTop() throws {
        let old = try Self.load(Self.base)
        let new = try Self.edited {
            $0.networks[0].channels = [Self.channel("#art", progress: "off"), Self.channel("#secret", key: "hunter2", progress: "quarter"),
                                       Self.channel("#left"), Self.channel("#there")]
        }
        let at = Date(timeIntervalSince1970: 0)
        let chat = [
            // The owners left #left from chat: adding it to the file does not pull the bot back in.
            ChannelSetting(network: "libera", channel: "#LEFT", membership: .parted, updatedAt: at),
            // Joined from chat already: no second JOIN.
            ChannelSetting(network: "libera", channel: "#there", membership: .joined, updatedAt: at),
            // Joined from chat, now taken out of the file: the bot stays.
            ChannelSetting(network: "libera", channel: "#old", membership: .joined, updatedAt: at),
            ChannelSetting(network: "libera", channel: "#art", progress: "quarter", updatedAt: at),
            // Another network's settings do not count here.
            ChannelSetting(network: "oftc", channel: "#secret", membership: .joined, updatedAt: at),
        ]
        let diff = ConfigurationDiff(from: old, to: new, chat: chat)
        #expect(diff.joins.isEmpty && diff.parts.isEmpty)
        #expect(diff.keptByChat == ["not joining #left (left from chat)", "staying in #old (joined from chat)"])
        #expect(diff.changes == [.init(key: "networks[0].channels[#art].progress",
                                       text: "progress #art started → off (quarter set from chat stays)")])
        #expect(diff.summary(fileName: "bot.conf") == "Reloaded bot.conf: progress #art started → off (quarter set from chat stays), "
                + "not joining #left (left from chat), staying in #old (joined from chat)")

        // A channel parted from chat that leaves the file, or joined from chat that enters it: nothing to do, nothing to say.
        let quiet = ConfigurationDiff(from: old, to: try Self.edited { $0.networks[0].channels.removeLast() },
                                      chat: [ChannelSetting(network: "libera", channel: "#old", membership: .parted, updatedAt: at)])
        #expect(quiet.isEmpty)
    }

    @Test func aChannelKeyChangeWaitsForARestart() throws {
        let old = try Self.load(Self.base)
        let new = try Self.edited { $0.networks[0].channels[1].key = Secret("swordfish", origin: "test") }
        let diff = ConfigurationDiff(from: old, to: new)
        #expect(diff.needsRestart == ["networks[0].channels[#secret].key"])
        #expect(diff.summary(fileName: "bot.conf") == "Reloaded bot.conf: nothing changed live; needs a restart: networks[0].channels[#secret].key")
        #expect(diff.effective.networks[0].channels[1].key?.value == "hunter2", "the connection still uses the old key")
    }

    /// Every field of every settings type is either reloadable or named as needing a restart,
    /// so a key added to `Configuration` cannot be silently ignored by a reload: this test
    /// fails until it is classified here and in `ConfigurationDiff`.
    @Test func everyOtherKeyIsNamedAsNeedingARestart() throws {
        typealias Edit = (label: String, key: String, edit: (inout Configuration) -> Void)
        let secret = Secret("changed", origin: "test")
        let edits: [Edit] = [
            ("bot.databasePath", "bot.database", { $0.bot.databasePath = "/var/lib/other.sqlite" }),
            ("store.postgres", "store.url", { $0.store.postgres = PostgresStoreConfiguration(host: "db", user: "bot", database: "bot") }),
            ("store.password", "store.password", { $0.store.password = secret }),
            ("store.maxNetworksPerProcess", "store.max_networks_per_process", { $0.store.maxNetworksPerProcess = 1 }),
            ("store.takeoverSeconds", "store.takeover_seconds", { $0.store.takeoverSeconds = 30 }),
            ("bot.taskRetentionDays", "bot.task_retention_days", { $0.bot.taskRetentionDays = 7 }),
            ("bot.outboxHoldHours", "bot.outbox_hold_hours", { $0.bot.outboxHoldHours = 6 }),
            ("bot.operatorContact", "bot.operator_contact", { $0.bot.operatorContact = "ops@example.net" }),
            ("proxy.baseURL", "proxy.base_url", { $0.proxy.baseURL = "http://127.0.0.1:9090/mj" }),
            ("proxy.apiKey", "proxy.api_key", { $0.proxy.apiKey = secret }),
            ("proxy.authStyle", "proxy.auth_style", { $0.proxy.authStyle = "bearer" }),
            ("proxy.speedModeRouting", "proxy.speed_mode_routing", { $0.proxy.speedModeRouting = "path" }),
            ("proxy.requestTimeoutSeconds", "proxy.request_timeout_seconds", { $0.proxy.requestTimeoutSeconds = 9 }),
            ("proxy.pollIntervalSeconds", "proxy.poll_interval_seconds", { $0.proxy.pollIntervalSeconds = 9 }),
            ("proxy.pollBatchSize", "proxy.poll_batch_size", { $0.proxy.pollBatchSize = 9 }),
            ("proxy.taskDeadlineMinutes", "proxy.task_deadline_minutes", { $0.proxy.taskDeadlineMinutes = 9 }),
            ("http.listen", "http.listen", { $0.http.listen = "0.0.0.0:9000" }),
            ("http.metricsListen", "http.metrics_listen", { $0.http.metricsListen = "127.0.0.1:9464" }),
            ("images.allowNetworks", "images.allow_networks", { $0.images.allowNetworks = ["10.1.2.0/24"] }),
            ("images.maxConcurrentDownloads", "images.max_concurrent_downloads", { $0.images.maxConcurrentDownloads = 9 }),
            ("images.downloadBudgetBytes", "images.download_budget_mb", { $0.images.downloadBudgetBytes = 90_000_000 }),
            ("images.maxImageBytes", "images.max_image_mb", { $0.images.maxImageBytes = 9_000_000 }),
            ("images.publicBaseURL", "images.public_base_url", { $0.images.publicBaseURL = "https://img.example.org" }),
            ("images.storeDirectory", "images.store_dir", { $0.images.storeDirectory = "/var/lib/images" }),
            ("images.retentionDays", "images.retention_days", { $0.images.retentionDays = 3 }),
            ("images.maxStoreBytes", "images.max_store_mb", { $0.images.maxStoreBytes = 5_000_000 }),
            ("http.publicBaseURL", "http.public_base_url", { $0.http.publicBaseURL = "https://bot.example" }),
            ("http.callbackSecret", "http.callback_secret", { $0.http.callbackSecret = secret }),
            ("networks.name", "networks[0] 'renamed' added, networks 'libera' removed", { $0.networks[0].name = "renamed" }),
            ("networks.host", "networks[0].host", { $0.networks[0].host = "irc.other.net" }),
            ("networks.port", "networks[0].port", { $0.networks[0].port = 7000 }),
            ("networks.tls", "networks[0].tls", { $0.networks[0].tls = false }),
            ("networks.tlsVerify", "networks[0].tls_verify", { $0.networks[0].tlsVerify = false }),
            ("networks.caFile", "networks[0].ca_file", { $0.networks[0].caFile = "/ca.pem" }),
            ("networks.clientCert", "networks[0].client_cert", { $0.networks[0].clientCert = "/c.pem" }),
            ("networks.clientKey", "networks[0].client_key", { $0.networks[0].clientKey = "/k.pem" }),
            ("networks.tlsFingerprints", "networks[0].tls_fingerprint",
             { $0.networks[0].tlsFingerprints = [CertificatePin(digest: Array(repeating: 1, count: 32))] }),
            ("networks.nick", "networks[0].nick", { $0.networks[0].nick = "otherbot" }),
            ("networks.altNicks", "networks[0].alt_nicks", { $0.networks[0].altNicks = ["mjbot_"] }),
            ("networks.username", "networks[0].username", { $0.networks[0].username = "u" }),
            ("networks.realname", "networks[0].realname", { $0.networks[0].realname = "r" }),
            ("networks.serverPassword", "networks[0].server_password", { $0.networks[0].serverPassword = secret }),
            ("networks.saslMechanism", "networks[0].sasl_mechanism", { $0.networks[0].saslMechanism = "external" }),
            ("networks.saslAccount", "networks[0].sasl_account", { $0.networks[0].saslAccount = "acct" }),
            ("networks.saslPassword", "networks[0].sasl_password", { $0.networks[0].saslPassword = secret }),
            ("networks.saslRequired", "networks[0].sasl_required", { $0.networks[0].saslRequired = false }),
            ("networks.nickservPassword", "networks[0].nickserv_password", { $0.networks[0].nickservPassword = secret }),
            ("networks.floodBurst", "networks[0].flood_burst", { $0.networks[0].floodBurst = 9 }),
            ("networks.floodIntervalSeconds", "networks[0].flood_interval_seconds", { $0.networks[0].floodIntervalSeconds = 9 }),
            ("networks.pingIdleSeconds", "networks[0].ping_idle_seconds", { $0.networks[0].pingIdleSeconds = 9 }),
            ("networks.pingTimeoutSeconds", "networks[0].ping_timeout_seconds", { $0.networks[0].pingTimeoutSeconds = 9 }),
            ("networks.rejoinOnKick", "networks[0].rejoin_on_kick", { $0.networks[0].rejoinOnKick = false }),
            ("networks.rejoinDelaySeconds", "networks[0].rejoin_delay_seconds", { $0.networks[0].rejoinDelaySeconds = 9 }),
            ("networks.nickRegainSeconds", "networks[0].nick_regain_seconds", { $0.networks[0].nickRegainSeconds = 9 }),
            ("networks.joinRetryMaxSeconds", "networks[0].join_retry_max_seconds", { $0.networks[0].joinRetryMaxSeconds = 9 }),
            ("networks.quitMessage", "networks[0].quit_message", { $0.networks[0].quitMessage = "bye" }),
        ]
        let live = ["bot.commandPrefix", "bot.logLevel", "bot.owners", "bot.replyWithNotice", "networks.channels",
                    "networks.ownerMasks", "networks.requireAccount", "networks.acceptInvites", "networks.maxChannels", "limits"]

        let old = try Self.load(Self.base)
        for edit in edits {
            let diff = ConfigurationDiff(from: old, to: try Self.edited(edit.edit))
            #expect(diff.needsRestart.joined(separator: ", ") == edit.key, "\(edit.label)")
            #expect(diff.changes.isEmpty && diff.joins.isEmpty && diff.parts.isEmpty, "\(edit.label)")
            #expect(diff.summary(fileName: "bot.conf") == "Reloaded bot.conf: nothing changed live; needs a restart: \(edit.key)")
        }

        // Classified = every stored field of every section, found by reflection.
        let sample = try Self.load(Self.base)
        func fields(_ prefix: String, _ value: Any) -> [String] {
            Mirror(reflecting: value).children.compactMap { $0.label.map { "\(prefix).\($0)" } }
        }
        // `[limits]` is live as a whole (every key is compared in `compareLimits`, tested below).
        let all = fields("bot", sample.bot) + fields("proxy", sample.proxy) + fields("http", sample.http)
            + fields("images", sample.images) + fields("networks", sample.networks[0]) + fields("store", sample.store) + ["limits"]
        let sections = Mirror(reflecting: sample).children.compactMap(\.label)
        // `matrix` as a whole needs a restart (ConfigurationDiff compares it in one piece).
        #expect(sections == ["bot", "proxy", "http", "images", "networks", "limits", "matrix", "store"],
                "a new section of Configuration needs a place in ConfigurationDiff")
        #expect(Set(all) == Set(edits.map(\.label) + live), "fields not classified: \(Set(all).subtracting(edits.map(\.label) + live))")
    }

    @Test func restartKeysStayNamedUntilTheRestartAndTheRunningValueIsKept() throws {
        let old = try Self.load(Self.base)
        let new = try Self.edited {
            $0.networks[0].port = 7000
            $0.bot.owners.append("carol")
        }
        let first = ConfigurationDiff(from: old, to: new)
        #expect(first.summary(fileName: "bot.conf") == "Reloaded bot.conf: owners 2 → 3 (+carol); needs a restart: networks[0].port")
        #expect(first.effective.networks[0].port == 6697)
        let again = ConfigurationDiff(from: first.effective, to: new)
        #expect(again.summary(fileName: "bot.conf") == "Reloaded bot.conf: nothing changed live; needs a restart: networks[0].port")
    }

    @Test func networksAddedOrRemovedNeedARestartAndChannelsNameTheirNetwork() throws {
        let two = Self.base + """


            [[networks]]
            name = "oftc"
            host = "irc.oftc.example"
            nick = "mjbot"
            channels = ["#art"]
            """
        let old = try Self.load(two)
        let added = ConfigurationDiff(from: try Self.load(Self.base), to: old)
        #expect(added.needsRestart == ["networks[1] 'oftc' added"])
        #expect(added.effective.networks.map(\.name) == ["libera"])
        let removed = ConfigurationDiff(from: old, to: try Self.load(Self.base))
        #expect(removed.needsRestart == ["networks 'oftc' removed"])
        #expect(removed.joins.isEmpty && removed.parts.isEmpty, "a removed network's channels stay until the restart")
        #expect(removed.effective.networks.map(\.name) == ["libera", "oftc"])

        var moved = old
        moved.networks[1].channels = [Self.channel("#photo", progress: "quarter")]
        let diff = ConfigurationDiff(from: old, to: moved)
        #expect(diff.joins == [.init(network: "oftc", channel: "#photo", key: nil)])
        #expect(diff.parts == [.init(network: "oftc", channel: "#art", key: nil)])
        #expect(diff.summary(fileName: "bot.conf") == "Reloaded bot.conf: joined #photo on oftc, parted #art on oftc")
        let live = diff.effective.liveSettings()
        #expect(live.progressPolicy(network: "oftc", channel: "#photo") == .quarter)
        #expect(live.progressPolicy(network: "libera", channel: "#photo") == .started)
    }
}
