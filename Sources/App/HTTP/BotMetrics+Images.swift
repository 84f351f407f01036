import ImageHosting
import Prometheus

/// The image-hosting series (README "Image hosting" / "Metrics"). Created at 0 by
/// `prepareImageSeries()` when hosting is on, so alerts on them work from the start.
extension BotMetrics {
    public func prepareImageSeries() {
        _ = registry.makeCounter(name: "mjbridge_images_mirrored_bytes_total")
        _ = registry.makeGauge(name: "mjbridge_images_store_bytes")
        _ = registry.makeCounter(name: "mjbridge_images_mirror_failures_total")
        for reason in RetentionPlanner.Reason.allCases {
            _ = registry.makeCounter(name: "mjbridge_images_evictions_total", labels: [("reason", reason.rawValue)])
        }
    }

    /// Bytes of result images downloaded from the proxy and stored.
    public func imagesMirrored(bytes: Int) {
        registry.makeCounter(name: "mjbridge_images_mirrored_bytes_total").increment(by: Int64(bytes))
    }

    /// A mirror attempt that failed (at completion or a background retry).
    public func imageMirrorFailed() {
        registry.makeCounter(name: "mjbridge_images_mirror_failures_total").increment()
    }

    public func imagesEvicted(_ count: Int, reason: RetentionPlanner.Reason) {
        guard count > 0 else { return }
        registry.makeCounter(name: "mjbridge_images_evictions_total", labels: [("reason", reason.rawValue)]).increment(by: Int64(count))
    }

    /// What the live hosted images take (each blob counted once).
    public func imageStore(bytes: Int) {
        registry.makeGauge(name: "mjbridge_images_store_bytes").set(to: Double(bytes))
    }
}
