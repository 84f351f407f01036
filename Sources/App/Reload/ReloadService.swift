import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the config on a signal (SIGHUP for `mjbridge run`), as `!reload` does; the
/// reloader logs the result. Ends at graceful shutdown.
struct ReloadService: Service {
    let reloader: ConfigReloader
    let signal: UnixSignal
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: signal)
        logger.info("\(signal) re-reads the config", metadata: ["config": "\(reloader.path)"])
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.info("\(signal): re-reading the config")
            _ = await reloader.reload()
        }
    }
}
