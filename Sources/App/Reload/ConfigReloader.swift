import Bridge
import Foundation
import Logging
import Store

/// Re-reads `bot.conf` (the file and loader `run` used) and applies what can change while the
/// connections stay up: the bridge's `LiveSettings` swapped at once, channels joined and
/// parted by the difference, the log level. A file that does not load changes nothing.
/// Reloads run one at a time (`!reload` and SIGHUP may overlap).
public actor ConfigReloader: ConfigReloading {
    public nonisolated let path: String
    private let loader: ConfigurationLoader
    /// What the process runs with now (see `ConfigurationDiff.effective`).
    public private(set) var running: Configuration
    private let live: LiveSettingsHolder
    private let store: any BotStore
    private let transport: any ChatTransport
    private let logLevel: LiveLogLevel
    private let logger: Logger
    private var inFlight: Task<ReloadReport, Never>?

    public init(path: String, loader: ConfigurationLoader, running: Configuration, live: LiveSettingsHolder, store: any BotStore,
                transport: any ChatTransport, logLevel: LiveLogLevel, logger: Logger) {
        self.path = path
        self.loader = loader
        self.running = running
        self.live = live
        self.store = store
        self.transport = transport
        self.logLevel = logLevel
        self.logger = logger
    }

    public func reload() async -> ReloadReport {
        let previous = inFlight
        let task = Task { _ = await previous?.value; return await self.perform() }
        inFlight = task
        return await task.value
    }

    private func perform() async -> ReloadReport {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let new: Configuration
        do {
            new = try loader.load(path: path)
        } catch {
            logger.error("reload refused, nothing changed", metadata: ["config": "\(path)", "error": "\(error)"])
            return ReloadReport(applied: false, text: "\(name) not reloaded, nothing changed: \(error)")
        }
        let chat: [ChannelSetting]
        do {
            chat = try await store.channelSettings()
        } catch {
            logger.error("reload refused: cannot read the channels changed from chat", metadata: ["error": "\(error)"])
            return ReloadReport(applied: false, text: "\(name) not reloaded, nothing changed: cannot read the channels changed from chat (see the log).")
        }
        let diff = ConfigurationDiff(from: running, to: new, chat: chat)
        running = diff.effective
        live.replace(with: running.liveSettings())
        logLevel.level = Logger.Level(rawValue: running.bot.logLevel) ?? logLevel.level
        var failures: [String] = []
        for action in diff.parts {
            do {
                try await transport.part(network: action.network, channel: action.channel, reason: "no longer in \(name)")
            } catch {
                failures.append("could not leave \(action.channel): \(error)")
            }
        }
        for action in diff.joins {
            do {
                try await transport.join(network: action.network, channel: action.channel, key: action.key)
            } catch {
                failures.append("could not join \(action.channel): \(error)")
            }
        }
        var text = diff.summary(fileName: name)
        if !failures.isEmpty { text += " (" + failures.joined(separator: "; ") + ")" }
        logger.notice("reloaded the config", metadata: ["config": "\(path)", "result": "\(text)"])
        return ReloadReport(applied: true, text: text)
    }
}

extension Configuration {
    /// The bridge's reloadable settings from this configuration.
    func liveSettings() -> LiveSettings {
        LiveSettings(bridgeConfiguration(notifyHook: nil, callbackSecret: ""))
    }
}
