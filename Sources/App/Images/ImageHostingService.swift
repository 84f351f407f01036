import Foundation
import Logging
import ServiceLifecycle

/// The image host's background work, as a service of the bot: owed mirrors retried when due,
/// served times written in batches, retention run periodically and soon after new images
/// were stored. Ends on graceful shutdown (after a last write of the served times).
public struct ImageHostingService: Service {
    let host: HostedResultImages
    let served: ServedImageLog
    /// How often owed mirrors are looked at and served times written.
    let tick: Duration
    /// Retention runs at least this often (and after puts, at most once per tick).
    let retentionInterval: Duration
    let logger: Logger

    public init(host: HostedResultImages, served: ServedImageLog, tick: Duration = .seconds(15),
                retentionInterval: Duration = .seconds(3600), logger: Logger) {
        self.host = host
        self.served = served
        self.tick = tick
        self.retentionInterval = retentionInterval
        self.logger = logger
    }

    public func run() async throws {
        await host.enforceRetention()
        await cancelWhenGracefulShutdown { await loop() }
        // The last batch is written even when the whole task was cancelled (not only shut down).
        await Task { await flushServed() }.value
    }

    private func loop() async {
        var sinceRetention = Duration.zero
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            if Task.isCancelled { break }
            await flushServed()
            await host.retryOwedMirrors()
            sinceRetention += tick
            let requested = await host.retentionWanted.take()
            if sinceRetention >= retentionInterval || requested {
                sinceRetention = .zero
                await host.enforceRetention()
            }
        }
    }

    func flushServed() async {
        let batch = await served.drain()
        guard !batch.isEmpty else { return }
        do {
            try await host.store.markHostedImagesServed(batch)
        } catch {
            logger.warning("cannot record when images were served", metadata: ["error": "\(error)"])
        }
    }
}
