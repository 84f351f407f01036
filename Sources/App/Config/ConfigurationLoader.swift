import Bridge
import Foundation
import IRC
import IRCClient

/// Turns `bot.conf` (TOML) into a `Configuration`, strictly: unknown keys, wrong types and
/// missing required keys are errors naming the key.
public struct ConfigurationLoader: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Loads a file; relative paths inside it (database, secret files, certificates) are
    /// resolved against the file's directory.
    public func load(path: String) throws(ConfigError) -> Configuration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(toml: text, baseDirectory: directory)
    }

    public func parse(toml text: String, baseDirectory: String) throws(ConfigError) -> Configuration {
        let root = try ConfigValue.parse(toml: text)
        var reader = TableReader(path: "", values: root)
        let resolve = { (p: String) -> String in
            p.hasPrefix("/") ? p : URL(fileURLWithPath: baseDirectory).appendingPathComponent(p).standardizedFileURL.path
        }
        let readFile = { (p: String) -> String? in try? String(contentsOfFile: resolve(p), encoding: .utf8) }

        var botTable = try reader.table("bot") ?? TableReader(path: "bot", values: [:])
        let bot = BotSettings(
            commandPrefix: try nonEmpty(botTable.string("command_prefix", default: "!"), key: botTable.key("command_prefix")),
            logLevel: try botTable.oneOf("log_level", ["trace", "debug", "info", "notice", "warning", "error", "critical"], default: "info"),
            owners: try botTable.stringArray("owners"),
            replyWithNotice: try botTable.oneOf("reply_style", ["privmsg", "notice"], default: "privmsg") == "notice",
            databasePath: resolve(try botTable.string("database", default: "mjbridge.sqlite")),
            taskRetentionDays: try botTable.int("task_retention_days", default: 30, range: 0...36_500),
            outboxHoldHours: try botTable.double("outbox_hold_hours", default: 24, range: 0.01...8760),
            operatorContact: try operatorContact(&botTable)
        )
        try botTable.finish()

        guard var proxyTable = try reader.table("proxy") else { throw .missingKey("proxy") }
        let proxy = ProxySettings(
            baseURL: try proxyTable.requiredString("base_url"),
            apiKey: try proxyTable.secret("api_key", env: "MJBRIDGE_PROXY_API_KEY", environment: environment, readFile: readFile),
            authStyle: try proxyTable.oneOf("auth_style", ["both", "bearer", "mj-api-secret", "authorization"], default: "both"),
            speedModeRouting: try proxyTable.oneOf("speed_mode_routing", ["filter", "path"], default: "filter"),
            requestTimeoutSeconds: try proxyTable.double("request_timeout_seconds", default: 30, range: 1...600),
            pollIntervalSeconds: try proxyTable.double("poll_interval_seconds", default: 5, range: 0.1...600),
            pollBatchSize: try proxyTable.int("poll_batch_size", default: 100, range: 1...1000),
            taskDeadlineMinutes: try proxyTable.double("task_deadline_minutes", default: 15, range: 0.1...1440)
        )
        try proxyTable.finish()

        var httpTable = try reader.table("http") ?? TableReader(path: "http", values: [:])
        let http = HTTPSettings(
            listen: try httpTable.string("listen", default: "127.0.0.1:8089"),
            publicBaseURL: try httpTable.string("public_base_url", default: ""),
            callbackSecret: try httpTable.secret("callback_secret", env: "MJBRIDGE_HTTP_CALLBACK_SECRET", environment: environment, readFile: readFile),
            metricsListen: try httpTable.string("metrics_listen", default: "")
        )
        _ = try http.metricsListenAddress()
        if !http.metricsListen.isEmpty, http.metricsListen == http.listen {
            throw .invalidValue(key: "http.metrics_listen", reason: "must differ from http.listen (leave it empty to serve /metrics there)")
        }
        if !http.publicBaseURL.isEmpty, !(http.publicBaseURL.hasPrefix("http://") || http.publicBaseURL.hasPrefix("https://")) {
            throw .invalidValue(key: "http.public_base_url", reason: "must start with http:// or https://")
        }
        try httpTable.finish()

        var limitsTable = try reader.table("limits") ?? TableReader(path: "limits", values: [:])
        let limits = try limitSettings(&limitsTable, resolve: resolve)
        try limitsTable.finish()
        let images = try ImageSettings.read(try reader.table("images"), resolve: resolve)
        let store = try StoreSettings.read(try reader.table("store"), environment: environment, readFile: readFile, resolve: resolve)

        var networks: [NetworkSettings] = []
        for var table in try reader.tables("networks") {
            networks.append(try network(&table, resolve: resolve, readFile: readFile))
        }
        let matrix = try MatrixSettings.read(try reader.tables("matrix"), environment: environment, readFile: readFile)
        if networks.isEmpty && matrix.isEmpty { throw .missingKey("networks (at least one [[networks]] or [[matrix]] table)") }
        var seen = Set<String>()
        for name in networks.map(\.name) + matrix.map(\.name) where !seen.insert(name.lowercased()).inserted {
            throw .invalidValue(key: "networks", reason: "network name '\(name)' is used twice (names are shared by [[networks]] and [[matrix]])")
        }
        try reader.finish()
        return Configuration(bot: bot, proxy: proxy, http: http, images: images, networks: networks, limits: limits, matrix: matrix,
                             store: store)
    }

    /// `[limits]`: every count is `0` (off) or more; banned words from the list and the file together.
    private func limitSettings(_ t: inout TableReader, resolve: (String) -> String) throws(ConfigError) -> LimitSettings {
        var settings = LimitSettings(
            dailyJobs: try t.int("daily_jobs", default: 25, range: 0...1_000_000),
            pendingPerUser: try t.int("pending_per_user", default: 2, range: 0...10_000),
            pendingPerChannel: try t.int("pending_per_channel", default: 10, range: 0...10_000),
            pendingTotal: try t.int("pending_total", default: 50, range: 0...100_000),
            cooldownSeconds: try t.int("cooldown_seconds", default: 10, range: 0...86_400),
            commandsPer30s: try t.int("commands_per_30s", default: 6, range: 0...10_000),
            adminsExempt: try t.bool("admins_exempt", default: true),
            bannedWords: try t.stringArray("banned_words"))
        if let file = try t.string("banned_words_file"), !file.isEmpty {
            let path = resolve(file)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .invalidValue(key: t.key("banned_words_file"), reason: "cannot read \(path)")
            }
            settings.bannedWords += BannedWords.parseFile(text)
        }
        return settings
    }

    private func network(_ t: inout TableReader, resolve: (String) -> String,
                         readFile: (String) -> String?) throws(ConfigError) -> NetworkSettings {
        let name = try t.requiredString("name")
        let envPrefix = "MJBRIDGE_NETWORK_" + String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }) + "_"
        let tls = try t.bool("tls", default: true)
        let nick = try t.requiredString("nick")
        var channels: [ChannelSettings] = []
        for var c in try t.tables("channels", stringForm: "name") {
            let channelName = try c.requiredString("name")
            let channelKey = try c.string("key")
            channels.append(ChannelSettings(
                name: channelName,
                key: channelKey.flatMap { $0.isEmpty ? nil : Secret($0, origin: "config \(c.key("key"))") },
                progress: try c.oneOf("progress", ["off", "started", "quarter", "every25"], default: "started")))
            try c.finish()
        }
        let mechanism = try t.oneOf("sasl_mechanism", ["none", "plain", "external", "scram-sha-256", "scram-sha-1", "auto"], default: "none")
        var settings = NetworkSettings(
            name: name,
            host: try t.requiredString("host"),
            port: try t.int("port", default: tls ? 6697 : 6667, range: 1...65535),
            tls: tls,
            tlsVerify: try t.bool("tls_verify", default: true),
            caFile: try t.string("ca_file").map(resolve),
            clientCert: try t.string("client_cert").map(resolve),
            clientKey: try t.string("client_key").map(resolve),
            nick: nick,
            altNicks: try t.stringArray("alt_nicks"),
            username: try t.string("username", default: nick),
            realname: try t.string("realname", default: "mjbridge Midjourney bot"),
            serverPassword: try t.secret("server_password", env: envPrefix + "SERVER_PASSWORD", environment: environment, readFile: readFile),
            saslMechanism: mechanism,
            saslAccount: try t.string("sasl_account"),
            saslPassword: try t.secret("sasl_password", env: envPrefix + "SASL_PASSWORD", environment: environment, readFile: readFile),
            saslRequired: try t.bool("sasl_required", default: true),
            nickservPassword: try t.secret("nickserv_password", env: envPrefix + "NICKSERV_PASSWORD", environment: environment, readFile: readFile),
            channels: channels,
            floodBurst: try t.int("flood_burst", default: 5, range: 1...100),
            floodIntervalSeconds: try t.double("flood_interval_seconds", default: 2, range: 0...60),
            pingIdleSeconds: try t.double("ping_idle_seconds", default: 90, range: 1...3600),
            pingTimeoutSeconds: try t.double("ping_timeout_seconds", default: 60, range: 1...3600),
            rejoinOnKick: try t.bool("rejoin_on_kick", default: true),
            rejoinDelaySeconds: try t.double("rejoin_delay_seconds", default: 10, range: 0...3600),
            nickRegainSeconds: try t.double("nick_regain_seconds", default: 60, range: 0...86400),
            joinRetryMaxSeconds: try t.double("join_retry_max_seconds", default: 600, range: 1...86400),
            quitMessage: try t.string("quit_message", default: "mjbridge shutting down")
        )
        settings.ownerMasks = try t.stringArray("owner_masks")
        for (index, mask) in settings.ownerMasks.enumerated() where HostmaskPattern(mask) == nil {
            throw .invalidValue(key: "\(t.key("owner_masks"))[\(index)]", reason: "'\(mask)' is not a nick!user@host pattern")
        }
        settings.requireAccount = try t.bool("require_account", default: false)
        settings.acceptInvites = try t.oneOf("accept_invites", ["off", "channel-ops"], default: "off")
        settings.maxChannels = try t.int("max_channels", default: 20, range: 1...1000)
        settings.tlsFingerprints = try tlsFingerprints(&t, tls: settings.tls, tlsVerify: settings.tlsVerify)
        try t.finish()
        if ["plain", "scram-sha-256", "scram-sha-1"].contains(settings.saslMechanism) && settings.saslPassword == nil {
            throw .missingKey("\(t.key("sasl_password")) (or \(envPrefix)SASL_PASSWORD, or sasl_password_file) for sasl_mechanism = \"\(settings.saslMechanism)\"")
        }
        if settings.saslMechanism == "auto" && settings.saslPassword == nil && settings.clientCert == nil {
            throw .missingKey("\(t.key("sasl_password")) or client_cert for sasl_mechanism = \"auto\"")
        }
        if settings.saslMechanism == "external" && (settings.clientCert == nil || settings.clientKey == nil) {
            throw .missingKey("\(t.key("client_cert")) and client_key for sasl_mechanism = \"external\"")
        }
        if (settings.clientCert == nil) != (settings.clientKey == nil) {
            throw .invalidValue(key: t.key("client_cert"), reason: "client_cert and client_key must be set together")
        }
        return settings
    }

    /// `tls_fingerprint`: each pin parsed (a malformed one names its key), at least one, and
    /// only where TLS is on and verification not switched off (the pin is the verification).
    private func tlsFingerprints(_ t: inout TableReader, tls: Bool, tlsVerify: Bool) throws(ConfigError) -> [CertificatePin] {
        guard let values = try t.stringOrStrings("tls_fingerprint") else { return [] }
        let key = t.key("tls_fingerprint")
        guard !values.isEmpty else { throw .invalidValue(key: key, reason: "names no pin; leave the key out to verify by CA instead") }
        guard tls else { throw .invalidValue(key: key, reason: "needs tls = true (there is no certificate in plain text)") }
        guard tlsVerify else {
            throw .invalidValue(key: key, reason: "and tls_verify = false contradict each other: with a pin, the pin is the verification; remove tls_verify")
        }
        var pins: [CertificatePin] = []
        for (itemKey, text) in values {
            do {
                pins.append(try CertificatePin(parsing: text))
            } catch {
                throw .invalidValue(key: itemKey, reason: error.description)
            }
        }
        return pins
    }

    /// `[bot] operator_contact`: shown to whole networks in the realname and VERSION, so one
    /// printable line of at most 100 characters; empty is the same as unset.
    private func operatorContact(_ t: inout TableReader) throws(ConfigError) -> String? {
        guard let text = try t.string("operator_contact")?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard text.count <= 100, !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidValue(key: t.key("operator_contact"), reason: "must be one line of at most 100 characters without control characters")
        }
        return text
    }

    private func nonEmpty(_ value: String, key: String) throws(ConfigError) -> String {
        guard !value.isEmpty else { throw .invalidValue(key: key, reason: "must not be empty") }
        return value
    }
}
