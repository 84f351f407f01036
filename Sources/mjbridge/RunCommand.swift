import App
import ArgumentParser
import Foundation
import Logging
import Metrics

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the bot with a config file until SIGTERM or SIGINT; SIGHUP re-reads the config."
    )

    @Option(name: [.short, .customLong("config")], help: "Path of the config file.")
    var config: String = "bot.conf"

    func run() async throws {
        // Before the bot's threads allocate (see AllocatorArenas: RSS of a long backlog).
        AllocatorArenas.limit()
        let configuration: Configuration
        let loader = ConfigurationLoader()
        do {
            configuration = try loader.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("\(config): \(error)\n".utf8))
            throw ExitCode(1)
        }
        // One bot per database, before anything opens it; held until the process ends (the
        // kernel drops it on any exit, SIGKILL included). `check-config` never gets here.
        let databaseLock: BotRuntime.DatabaseLockHandle?
        do {
            databaseLock = try BotRuntime.lockDatabase(of: configuration)
        } catch {
            FileHandle.standardError.write(Data("mjbridge run: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let level = Logger.Level(rawValue: configuration.bot.logLevel) ?? .info
        // One level for every logger, which `!reload` and SIGHUP can change.
        let liveLevel = LiveLogLevel(level)
        LoggingSystem.bootstrap { label in
            LiveLevelLogHandler(StreamLogHandler.standardError(label: label), level: liveLevel)
        }
        // The process's one bot: its registry also backs the global swift-metrics system, so
        // libraries that record through swift-metrics land on the same `/metrics`.
        let metrics = BotMetrics()
        MetricsSystem.bootstrap(metrics.factory)
        var logger = Logger(label: "mjbridge")
        logger.logLevel = level
        logger.info("starting", metadata: ["version": "\(MJBridgeVersion.current)", "config": "\(config)"])
        do {
            let runtime = try await BotRuntime.make(configuration: configuration, metrics: metrics, configPath: config,
                                                    loader: loader, logLevel: liveLevel, logger: logger)
            try await runtime.run()
        } catch {
            logger.critical("stopped by an error", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        logger.info("stopped")
        withExtendedLifetime(databaseLock) {}
    }
}
