import Bridge
import Foundation
import MidjourneyAPI
import Prometheus
import Store

/// The bot's Prometheus series (see NOTES/README "Metrics"), over one
/// `PrometheusCollectorRegistry` per runtime. Nothing is global: each bot (and each test) owns
/// its registry, and the parts that record get closures from here (`bridgeMetrics`,
/// `proxyObserver`), so bots running side by side in one process never share a count.
///
/// Labels are bounded by construction: command names come from the registry, outcomes and
/// endpoints are enums, network names come from the config. Never a nick, channel, prompt or
/// task id.
public final class BotMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// A swift-metrics factory over the same registry, for code that speaks swift-metrics
    /// (`mjbridge run` bootstraps the global `MetricsSystem` with it; tests never do).
    public let factory: PrometheusMetricsFactory

    /// Submit→result: from 10 s (a fast relax job) to 15 min (a queued one) and past it.
    static let jobBuckets: [Double] = [5, 10, 20, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1200, 1800]
    /// A proxy request: tens of milliseconds (a list) to a minute (an upload that times out).
    static let proxyBuckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
        // Series an operator alerts on exist (at 0) before the first event, so `rate()` and
        // absence alerts work from the start.
        for outcome in ["submitted", "succeeded", "failed", "cancelled", "timed_out"] {
            _ = registry.makeCounter(name: "mjbridge_jobs_total", labels: [("outcome", outcome)])
        }
        for outcome in CallbackOutcome.allCases {
            _ = registry.makeCounter(name: "mjbridge_callbacks_total", labels: [("outcome", outcome.rawValue)])
        }
        _ = registry.makeGauge(name: "mjbridge_pending_tasks")
        _ = registry.makeCounter(name: "mjbridge_intents_lost_total")
        _ = registry.makeGauge(name: "mjbridge_outbox_lines", labels: [("state", "waiting")])
    }

    // MARK: Recording

    public func command(_ name: String, outcome: CommandOutcome) {
        registry.makeCounter(name: "mjbridge_commands_total", labels: [("command", name), ("outcome", outcome.rawValue)])
            .increment()
    }

    public func jobSubmitted() {
        registry.makeCounter(name: "mjbridge_jobs_total", labels: [("outcome", "submitted")]).increment()
    }

    /// A submission the bot lost track of (its user was told to check `!tasks` later).
    public func intentLost() {
        registry.makeCounter(name: "mjbridge_intents_lost_total").increment()
    }

    public func jobFinished(_ outcome: TaskOutcome, seconds: Double) {
        let label = Self.label(outcome)
        registry.makeCounter(name: "mjbridge_jobs_total", labels: [("outcome", label)]).increment()
        registry.makeValueHistogram(name: "mjbridge_job_duration_seconds", labels: [("outcome", label)],
                                    buckets: Self.jobBuckets).record(seconds)
    }

    public func proxyRequest(_ report: ProxyRequestReport) {
        let labels = [("endpoint", report.endpoint.rawValue), ("outcome", report.outcome.label)]
        registry.makeCounter(name: "mjbridge_proxy_requests_total", labels: labels).increment()
        let (seconds, attoseconds) = report.duration.components
        registry.makeValueHistogram(name: "mjbridge_proxy_request_duration_seconds",
                                    labels: [("endpoint", report.endpoint.rawValue)], buckets: Self.proxyBuckets)
            .record(Double(seconds) + Double(attoseconds) / 1e18)
    }

    public func callback(_ outcome: CallbackOutcome) {
        registry.makeCounter(name: "mjbridge_callbacks_total", labels: [("outcome", outcome.rawValue)]).increment()
    }

    /// A chat line handed to the network (`sent`) or refused by the client (`failed`).
    public func ircLine(network: String, sent: Bool) {
        registry.makeCounter(name: "mjbridge_irc_lines_total", labels: [("network", network), ("result", sent ? "sent" : "failed")])
            .increment()
    }

    /// A chat message heard (commands or not).
    public func chatMessage(network: String) {
        registry.makeCounter(name: "mjbridge_chat_messages_total", labels: [("network", network)]).increment()
    }

    /// Chat lines the IRC client dropped because the event pump lagged too far behind
    /// (`IRCConnection.eventBacklogLimit`); connection events are never dropped.
    public func chatDropped(network: String, count: Int) {
        registry.makeCounter(name: "mjbridge_irc_chat_dropped_total", labels: [("network", network)]).increment(by: Int64(count))
    }

    /// Registered again after a drop.
    public func reconnect(network: String) {
        registry.makeCounter(name: "mjbridge_irc_reconnects_total", labels: [("network", network)]).increment()
    }

    public func connection(network: String, registered: Bool) {
        registry.makeGauge(name: "mjbridge_irc_connected", labels: [("network", network)]).set(to: registered ? 1 : 0)
    }

    /// The store's counts, as read at scrape time.
    public func storeGauges(_ gauges: StoreGauges) {
        storeGauges(pendingTasks: gauges.pendingTasks, unsentLines: gauges.unsentLines,
                    heldLines: gauges.heldLines, deadLetteredLines: gauges.deadLetteredLines)
    }

    /// `state="waiting"`: not yet confirmed and not given up on (= owed + held, as before);
    /// `owed`: will go out as soon as the connection allows; `held`: waiting for the target
    /// (refused, or the bot not in the channel); `dead_lettered`: given up on, never sent.
    public func storeGauges(pendingTasks: Int, unsentLines: Int, heldLines: Int = 0, deadLetteredLines: Int = 0) {
        registry.makeGauge(name: "mjbridge_pending_tasks").set(to: Double(pendingTasks))
        registry.makeGauge(name: "mjbridge_outbox_lines", labels: [("state", "waiting")]).set(to: Double(unsentLines))
        registry.makeGauge(name: "mjbridge_outbox_lines", labels: [("state", "owed")]).set(to: Double(unsentLines - heldLines))
        registry.makeGauge(name: "mjbridge_outbox_lines", labels: [("state", "held")]).set(to: Double(heldLines))
        registry.makeGauge(name: "mjbridge_outbox_lines", labels: [("state", "dead_lettered")]).set(to: Double(deadLetteredLines))
    }

    /// Set once the last poll is known: 1 when it reached the proxy, 0 when it failed.
    public func lastPoll(reachedProxy: Bool) {
        registry.makeGauge(name: "mjbridge_last_poll_ok").set(to: reachedProxy ? 1 : 0)
    }

    // MARK: Wiring

    /// What the bridge records, as closures over this registry.
    public var bridgeMetrics: BridgeMetrics {
        BridgeMetrics(command: { [self] name, outcome in command(name, outcome: outcome) },
                      jobSubmitted: { [self] in jobSubmitted() },
                      jobFinished: { [self] outcome, seconds in jobFinished(outcome, seconds: seconds) },
                      intentLost: { [self] in intentLost() })
    }

    /// What the proxy clients report each request to.
    public var proxyObserver: ProxyRequestObserver {
        { [self] report in proxyRequest(report) }
    }

    /// The Prometheus text exposition of every series.
    public func prometheusText() -> String {
        registry.emitToString()
    }

    static func label(_ outcome: TaskOutcome) -> String {
        switch outcome {
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        case .timedOut: "timed_out"
        }
    }
}
