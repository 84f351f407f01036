import Bridge
import Foundation
import IRC

extension Configuration {
    /// What the bridge needs from `bot.conf`. `notifyHook` is decided by the runtime, which
    /// knows the callback secret.
    /// `callbackSecret` keys the signature of each task's `state` (also when polling alone
    /// follows tasks: the state is still sent, and read back when adopting an orphan).
    func bridgeConfiguration(notifyHook: String?, callbackSecret: String) -> BridgeConfiguration {
        var bridge = BridgeConfiguration(
            commandPrefix: bot.commandPrefix,
            replyStyle: bot.replyWithNotice ? .notice : .privmsg,
            versionText: bot.versionText,
            // Matrix owners are user ids (`@name:server`), which no IRC account can spell.
            ownerAccounts: bot.owners + matrix.flatMap(\.owners),
            notifyHook: notifyHook,
            speedModeRouting: proxy.speedModeRouting == "path" ? .path : .filter,
            pollSchedule: PollSchedule(interval: proxy.pollIntervalSeconds),
            pollBatchSize: proxy.pollBatchSize,
            taskDeadline: proxy.taskDeadlineMinutes * 60,
            limits: limits)
        for network in networks {
            bridge.networkAccess[network.name] = NetworkAccess(ownerMasks: network.ownerMasks.compactMap(HostmaskPattern.init),
                                                               requireAccount: network.requireAccount,
                                                               acceptInvites: network.acceptInvites == "channel-ops" ? .channelOperators : .off,
                                                               maxChannels: network.maxChannels)
            for channel in network.channels {
                if let policy = ProgressPolicy(configValue: channel.progress) {
                    bridge.setProgress(policy, network: network.name, channel: channel.name)
                }
            }
        }
        for account in matrix {
            if let prefix = account.commandPrefix { bridge.networkPrefixes[account.name] = prefix }
        }
        bridge.routeStateKey = RouteStateKey(callbackSecret: callbackSecret)
        bridge.routeTargets = RouteTargetRules(networks: Set(networks.map(\.name)), matrixNetworks: Set(matrix.map(\.name)))
        bridge.taskRetentionDays = bot.taskRetentionDays
        bridge.deliveryPolicy = DeliveryPolicy(holdHours: bot.outboxHoldHours)
        return bridge
    }
}

extension HTTPSettings {
    /// `<public_base_url>/callback/<secret>`, or nil when the proxy cannot reach us (no
    /// public URL or no server): then polling alone follows the tasks.
    func notifyHook(secret: String) -> String? {
        guard !publicBaseURL.isEmpty, !listen.isEmpty else { return nil }
        var base = publicBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/callback/\(secret)"
    }

    /// `listen` split into host and port.
    func listenAddress() throws(ConfigError) -> (host: String, port: Int)? {
        try Self.split(listen, key: "http.listen", example: "127.0.0.1:8089")
    }

    /// `metrics_listen` split into host and port; nil = `/health` and `/metrics` on `listen`.
    func metricsListenAddress() throws(ConfigError) -> (host: String, port: Int)? {
        try Self.split(metricsListen, key: "http.metrics_listen", example: "127.0.0.1:9464")
    }

    private static func split(_ listen: String, key: String, example: String) throws(ConfigError) -> (host: String, port: Int)? {
        guard !listen.isEmpty else { return nil }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65535).contains(port) else {
            throw .invalidValue(key: key, reason: "must be host:port, e.g. \(example)")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
