import Foundation
import Prometheus

/// The Matrix series (README "Metrics"), one set per `[[matrix]]` account, labelled
/// `account` with its `name` (from the config: bounded). Created at 0 by
/// `prepareMatrixSeries(accounts:)` at start, so `rate()` and absence alerts work from the first scrape.
extension BotMetrics {
    public func prepareMatrixSeries(accounts: [String]) {
        for account in accounts {
            let label = [("account", account)]
            _ = registry.makeGauge(name: "mjbridge_matrix_connected", labels: label)
            _ = registry.makeCounter(name: "mjbridge_matrix_sync_failures_total", labels: label)
            _ = registry.makeCounter(name: "mjbridge_matrix_rate_limited_total", labels: label)
            for result in ["sent", "failed"] {
                _ = registry.makeCounter(name: "mjbridge_matrix_sends_total", labels: [("account", account), ("result", result)])
            }
            for result in ["ok", "failed"] {
                _ = registry.makeCounter(name: "mjbridge_matrix_uploads_total", labels: [("account", account), ("result", result)])
            }
            _ = registry.makeCounter(name: "mjbridge_chat_messages_total", labels: [("network", account)])
        }
    }

    /// Read at scrape time: 1 while the account is syncing (from the end of its start, rooms
    /// joined, on; then while batches complete), 0 while it starts, backs off, is stalled or has
    /// stopped; and when a sync batch was last completed (absent until the first).
    public func matrixAccount(_ account: String, status: MatrixAccountStatus) {
        registry.makeGauge(name: "mjbridge_matrix_connected", labels: [("account", account)]).set(to: status.isSyncing ? 1 : 0)
        if let last = status.lastSyncAt {
            registry.makeGauge(name: "mjbridge_matrix_last_sync_timestamp_seconds", labels: [("account", account)])
                .set(to: last.timeIntervalSince1970)
        }
    }

    /// A request of the sync loop (`/sync`, and whoami/login at start) that failed and is
    /// tried again, or stopped the account; a `M_LIMIT_EXCEEDED` answer also counts as rate limited.
    public func matrixSyncFailed(account: String, rateLimited: Bool) {
        registry.makeCounter(name: "mjbridge_matrix_sync_failures_total", labels: [("account", account)]).increment()
        if rateLimited { matrixRateLimited(account: account) }
    }

    /// A `M_LIMIT_EXCEEDED` answer (waited out, then the same request again).
    public func matrixRateLimited(account: String) {
        registry.makeCounter(name: "mjbridge_matrix_rate_limited_total", labels: [("account", account)]).increment()
    }

    /// An event the homeserver took (`sent`: answers, results, images) or that failed (`failed`:
    /// refused, or no answer; an owed line is tried again).
    public func matrixSend(account: String, sent: Bool) {
        registry.makeCounter(name: "mjbridge_matrix_sends_total", labels: [("account", account), ("result", sent ? "sent" : "failed")])
            .increment()
    }

    /// A result image uploaded to the media repository (`ok`), or not (`failed`: the link is posted alone).
    public func matrixUpload(account: String, ok: Bool) {
        registry.makeCounter(name: "mjbridge_matrix_uploads_total", labels: [("account", account), ("result", ok ? "ok" : "failed")])
            .increment()
    }
}
