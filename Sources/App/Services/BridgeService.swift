import Bridge
import Logging
import ServiceLifecycle

/// Recovery of pending tasks, then the polling loop; stops on graceful shutdown.
struct BridgeService: Service {
    let bridge: ChatBridge
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await bridge.run()
            }
        } catch is CancellationError {
            logger.debug("poller stopped")
        }
    }
}
