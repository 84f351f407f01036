/// The effective configuration as TOML-like text for `mjbridge check-config`, secrets shown
/// only by origin so the output can be pasted into a bug report.
extension Configuration {
    public var redactedSummary: String {
        var lines: [String] = []
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        func secret(_ s: Secret?) -> String { s.map { q($0.description) } ?? "(not set)" }
        lines.append("[bot]")
        lines.append("command_prefix = \(q(bot.commandPrefix))")
        lines.append("log_level = \(q(bot.logLevel))")
        lines.append("owners = [\(bot.owners.map(q).joined(separator: ", "))]")
        lines.append("reply_style = \(q(bot.replyWithNotice ? "notice" : "privmsg"))")
        lines.append("database = \(q(bot.databasePath))")
        lines.append("task_retention_days = \(bot.taskRetentionDays)")
        lines.append("outbox_hold_hours = \(bot.outboxHoldHours)")
        lines.append("operator_contact = \(bot.operatorContact.map(q) ?? "\"\"  # not set: network staff cannot see whom to reach")")
        lines.append("")
        lines.append("[store]")
        if let postgres = store.postgres {
            // The display URL never carries the password; TLS mode spelled out.
            lines.append("url = \(q(postgres.displayURL))\(postgres.tls == .verifyFull ? "" : "  # WARNING: the server's certificate is not verified")")
            lines.append("password = \(secret(store.password))")
            lines.append("max_networks_per_process = \(store.maxNetworksPerProcess)\(store.maxNetworksPerProcess == 0 ? "  # no limit" : "")")
            lines.append("takeover_seconds = \(store.takeoverSeconds)")
        } else {
            lines.append("url = \"\"  # not set: the SQLite file of bot.database, one process")
        }
        lines.append("")
        lines.append("[proxy]")
        lines.append("base_url = \(q(proxy.baseURL))")
        lines.append("api_key = \(secret(proxy.apiKey))")
        lines.append("auth_style = \(q(proxy.authStyle))")
        lines.append("speed_mode_routing = \(q(proxy.speedModeRouting))")
        lines.append("request_timeout_seconds = \(proxy.requestTimeoutSeconds)")
        lines.append("poll_interval_seconds = \(proxy.pollIntervalSeconds)")
        lines.append("poll_batch_size = \(proxy.pollBatchSize)")
        lines.append("task_deadline_minutes = \(proxy.taskDeadlineMinutes)")
        lines.append("")
        lines.append("[http]")
        lines.append("listen = \(q(http.listen))")
        lines.append("public_base_url = \(q(http.publicBaseURL))\(http.publicBaseURL.isEmpty ? "  # no callbacks: polling only" : "")")
        lines.append("callback_secret = \(http.callbackSecret.map { q($0.description) } ?? "(generated and kept in the database)")")
        lines.append("metrics_listen = \(q(http.metricsListen))\(http.metricsListen.isEmpty ? "  # /health and /metrics on listen" : "")")
        lines.append("")
        lines.append("[limits]  # 0 = off")
        lines.append("daily_jobs = \(limits.dailyJobs)")
        lines.append("pending_per_user = \(limits.pendingPerUser)")
        lines.append("pending_per_channel = \(limits.pendingPerChannel)")
        lines.append("pending_total = \(limits.pendingTotal)")
        lines.append("cooldown_seconds = \(limits.cooldownSeconds)")
        lines.append("commands_per_30s = \(limits.commandsPer30s)")
        lines.append("admins_exempt = \(limits.adminsExempt)")
        // The words themselves stay out of a summary people paste into bug reports.
        lines.append("banned_words = (\(limits.bannedWords.count) \(limits.bannedWords.count == 1 ? "word or phrase" : "words and phrases"), list and file together)")
        lines.append("")
        lines.append("[images]")
        lines.append("allow_networks = [\(images.allowNetworks.map { q($0.description) }.joined(separator: ", "))]")
        lines.append("max_concurrent_downloads = \(images.maxConcurrentDownloads)")
        lines.append("download_budget_mb = \(images.downloadBudgetBytes / 1_000_000)")
        lines.append("max_image_mb = \(images.maxImageBytes / 1_000_000)")
        if let base = images.publicBaseURL {
            lines.append("public_base_url = \(q(base))  # results hosted at \(base)/i/<name>")
        } else {
            lines.append("public_base_url = \"\"  # image hosting OFF: the proxy's links are posted as they are (they expire, about a day on Discord)")
        }
        lines.append("store_dir = \(q(images.storeDirectory(databasePath: bot.databasePath)))")
        lines.append("retention_days = \(images.retentionDays)\(images.retentionDays == 0 ? "  # no age limit" : "")")
        lines.append("max_store_mb = \(images.maxStoreBytes / 1_000_000)")
        for n in networks {
            lines.append("")
            lines.append("[[networks]]")
            lines.append("name = \(q(n.name))")
            lines.append("host = \(q(n.host))")
            lines.append("port = \(n.port)")
            lines.append("tls = \(n.tls)\(n.tls ? "" : "  # WARNING: plain text")")
            lines.append("tls_verify = \(n.tlsVerify)\(n.tlsVerify ? "" : "  # WARNING: certificate not verified")")
            if let ca = n.caFile { lines.append("ca_file = \(q(ca))") }
            if !n.tlsFingerprints.isEmpty {
                lines.append("tls_fingerprint = [\(n.tlsFingerprints.map { q($0.description) }.joined(separator: ", "))]  # pinned: CA and host name not checked")
            }
            if let cert = n.clientCert { lines.append("client_cert = \(q(cert))") }
            if let key = n.clientKey { lines.append("client_key = \(q(key))") }
            lines.append("nick = \(q(n.nick))")
            lines.append("alt_nicks = [\(n.altNicks.map(q).joined(separator: ", "))]")
            lines.append("username = \(q(n.username))")
            lines.append("realname = \(q(n.realname))")
            lines.append("server_password = \(secret(n.serverPassword))")
            lines.append("sasl_mechanism = \(q(n.saslMechanism))")
            if let account = n.saslAccount { lines.append("sasl_account = \(q(account))") }
            lines.append("sasl_password = \(secret(n.saslPassword))")
            lines.append("sasl_required = \(n.saslRequired)")
            lines.append("nickserv_password = \(secret(n.nickservPassword))")
            lines.append("flood_burst = \(n.floodBurst)")
            lines.append("flood_interval_seconds = \(n.floodIntervalSeconds)")
            lines.append("ping_idle_seconds = \(n.pingIdleSeconds)")
            lines.append("ping_timeout_seconds = \(n.pingTimeoutSeconds)")
            lines.append("rejoin_on_kick = \(n.rejoinOnKick)")
            lines.append("rejoin_delay_seconds = \(n.rejoinDelaySeconds)")
            lines.append("nick_regain_seconds = \(n.nickRegainSeconds)")
            lines.append("join_retry_max_seconds = \(n.joinRetryMaxSeconds)")
            lines.append("quit_message = \(q(n.quitMessage))")
            lines.append("owner_masks = [\(n.ownerMasks.map(q).joined(separator: ", "))]")
            lines.append("require_account = \(n.requireAccount)")
            lines.append("accept_invites = \(q(n.acceptInvites))")
            lines.append("max_channels = \(n.maxChannels)")
            for c in n.channels {
                lines.append("[[networks.channels]]")
                lines.append("name = \(q(c.name))")
                if let key = c.key { lines.append("key = \(q(key.description))") }
                lines.append("progress = \(q(c.progress))")
            }
        }
        for m in matrix {
            lines.append("")
            lines.append("[[matrix]]")
            lines.append("name = \(q(m.name))")
            lines.append("homeserver = \(q(m.homeserver))\(m.homeserver.hasPrefix("http://") ? "  # WARNING: plain text (the access token travels in clear)" : "")")
            lines.append("user_id = \(q(m.userID))")
            lines.append("access_token = \(secret(m.accessToken))")
            lines.append("password = \(secret(m.password))\(m.accessToken == nil ? "  # logs in once; the token and device id are kept in the database" : "")")
            lines.append("rooms = [\(m.rooms.map(q).joined(separator: ", "))]")
            lines.append("owners = [\(m.owners.map(q).joined(separator: ", "))]")
            lines.append("invites = \(q(m.invites.rawValue))")
            lines.append("command_prefix = \(q(m.commandPrefix ?? bot.commandPrefix))\(m.commandPrefix == nil ? "  # [bot] command_prefix" : "")")
        }
        return lines.joined(separator: "\n")
    }
}
