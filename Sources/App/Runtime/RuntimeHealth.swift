import Bridge
import Foundation
import IRCClient

/// `/health`: unhealthy (503) when no network is registered, or when polls have failed
/// without a success for longer than `pollFailureThreshold`; the body says, per network,
/// whether the bot is registered and whether the last poll reached the proxy.
struct RuntimeHealth: HealthReporter {
    /// Its connections are read at each report (a takeover replaces a network's connection).
    let transport: IRCTransport
    /// Several processes on one database: networks held elsewhere are "standby (held by …)",
    /// and only the held ones count for health (a standby holding nothing is healthy).
    let ownership: OwnershipService?
    let tracker: TaskTracker
    let clock: BridgeClock
    /// 3 poll intervals or 60 s, whichever is larger: one failed poll is a blip, not an outage.
    let pollFailureThreshold: TimeInterval

    static func threshold(pollInterval: TimeInterval) -> TimeInterval {
        max(3 * pollInterval, 60)
    }

    func healthReport() async -> HealthReport {
        var networks: [String: String] = [:]
        var held: [String] = []
        let holders = await ownership?.holders()
        for (name, client) in transport.clients {
            if let holder = holders?[name], holder != "held here" {
                networks[name] = holder
                continue
            }
            held.append(name)
            networks[name] = await client.isRegistered ? "registered" : "connecting"
        }
        var reasons: [String] = []
        if !held.isEmpty, !held.contains(where: { networks[$0] == "registered" }) {
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
