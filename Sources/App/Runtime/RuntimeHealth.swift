import Bridge
import Foundation
import IRCClient

/// `/health`: unhealthy (503) when no network is registered, or when polls have failed
/// without a success for longer than `pollFailureThreshold`; the body says, per network,
/// whether the bot is registered and whether the last poll reached the proxy.
struct RuntimeHealth: HealthReporter {
    let clients: [String: IRCConnection]
    let tracker: TaskTracker
    let clock: BridgeClock
    /// 3 poll intervals or 60 s, whichever is larger: one failed poll is a blip, not an outage.
    let pollFailureThreshold: TimeInterval

    static func threshold(pollInterval: TimeInterval) -> TimeInterval {
        max(3 * pollInterval, 60)
    }

    func healthReport() async -> HealthReport {
        var networks: [String: String] = [:]
        for (name, client) in clients {
            networks[name] = await client.isRegistered ? "registered" : "connecting"
        }
        var reasons: [String] = []
        if !networks.isEmpty, !networks.values.contains("registered") {
            reasons.append("no network is registered")
        }
        let now = clock.now()
        var poll: HealthReport.Poll?
        if let last = await tracker.lastPoll {
            let failingFor = await tracker.pollFailingSince.map { max(0, now.timeIntervalSince($0)) }
            poll = HealthReport.Poll(at: last.at, reachedProxy: last.failure == nil, error: last.failure,
                                     failingForSeconds: failingFor)
            if let failingFor, failingFor > pollFailureThreshold {
                reasons.append("polls have not reached the proxy for \(Int(failingFor)) s")
            }
        }
        return HealthReport(reasons: reasons, version: MJBridgeVersion.current, networks: networks, lastPoll: poll)
    }
}
