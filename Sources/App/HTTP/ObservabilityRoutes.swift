import Foundation
import Hummingbird

/// What `/health` answers: 200 when `healthy`, else 503; the body is this, as JSON.
public struct HealthReport: Sendable, Codable, Equatable {
    public struct Poll: Sendable, Codable, Equatable {
        /// When the last poll that asked the proxy anything ran (ISO 8601).
        public var at: Date
        /// Whether that poll got an answer from the proxy.
        public var reachedProxy: Bool
        /// Why it did not (a readable error, no secrets).
        public var error: String?
        /// How long polls have failed without a success in between.
        public var failingForSeconds: Double?
    }

    /// One `[[matrix]]` account's sync loop.
    public struct MatrixAccountState: Sendable, Codable, Equatable {
        /// `starting`, `syncing`, `stalled`, `backing_off` or `stopped`; with several processes
        /// on one database, `standby (held by <host> pid <n>)` (or `standby (no holder)`) where
        /// another process holds the account.
        public var state: String
        /// When a `/sync` batch was last completed (absent: not yet in this process).
        public var lastSyncAt: Date?
        /// While backing off: the last failure (no secrets), and since when requests fail;
        /// while stalled: since when the loop has not moved on.
        public var lastError: String?
        public var failingSince: Date?
        /// When stopped: why (a restart with a new token or password is needed).
        public var stopReason: String?

        /// An account this process stands by for: `holder` says who holds it.
        public init(standby holder: String) {
            state = holder
        }

        public init(_ status: MatrixAccountStatus) {
            state = status.label
            lastSyncAt = status.lastSyncAt
            switch status.state {
            case .backingOff(let error, let since):
                lastError = error
                failingSince = since
            case .stopped(let reason):
                stopReason = reason
            case .stalled(let since):
                lastError = "the sync loop has not completed a batch since then"
                failingSince = since
            case .starting, .syncing:
                break
            }
        }
    }

    /// "ok" or "unhealthy".
    public var status: String
    /// Why unhealthy, one sentence each; empty when healthy.
    public var reasons: [String]
    public var version: String
    /// Network name (from the config) → "registered" or "connecting".
    public var networks: [String: String]
    /// Nil until a poll had something to ask (no pending task, no poll).
    public var lastPoll: Poll?
    /// Account name (from the config) → its sync loop; absent without `[[matrix]]` accounts.
    public var matrix: [String: MatrixAccountState]?

    public var healthy: Bool { reasons.isEmpty }

    public init(reasons: [String], version: String, networks: [String: String], lastPoll: Poll? = nil,
                matrix: [String: MatrixAccountState]? = nil) {
        self.status = reasons.isEmpty ? "ok" : "unhealthy"
        self.reasons = reasons
        self.version = version
        self.networks = networks
        self.lastPoll = lastPoll
        self.matrix = matrix
    }
}

/// Liveness and a little state for `/health`.
public protocol HealthReporter: Sendable {
    func healthReport() async -> HealthReport
}

/// `GET /health` and `GET /metrics`: on the callback listener, or on their own
/// (`[http] metrics_listen`) so the callback port can be public while these stay private.
public struct ObservabilityRoutes: HTTPRouteGroup {
    public let health: any HealthReporter
    public let metrics: BotMetrics
    /// Runs before each scrape: gauges read from the store and the connections.
    public let beforeScrape: @Sendable () async -> Void

    public init(health: any HealthReporter, metrics: BotMetrics, beforeScrape: @escaping @Sendable () async -> Void = {}) {
        self.health = health
        self.metrics = metrics
        self.beforeScrape = beforeScrape
    }

    public func add(to router: Router<BasicRequestContext>) {
        let health = self.health
        router.get("health") { _, _ -> Response in
            let report = await health.healthReport()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let body = (try? encoder.encode(report)) ?? Data("{}".utf8)
            return Response(status: report.healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        let metrics = self.metrics
        let beforeScrape = self.beforeScrape
        router.get("metrics") { _, _ -> Response in
            await beforeScrape()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: metrics.prometheusText())))
        }
    }
}
