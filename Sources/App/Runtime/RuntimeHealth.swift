import Bridge
import Foundation
import IRCClient

/// `/health`: unhealthy (503) when no chat connection is up (no IRC network registered and no
/// Matrix account syncing), when a Matrix account has stopped (it will not come back without
/// the operator), or when polls have failed without a success for longer than
/// `pollFailureThreshold`; the body says, per network and account, how it stands and whether
/// the last poll reached the proxy.
struct RuntimeHealth: HealthReporter {
    /// Its connections are read at each report (a takeover replaces a network's connection).
    let transport: IRCTransport
    /// Several processes on one database: networks held elsewhere are "standby (held by …)",
    /// and only what this process holds counts for health (a standby holding nothing is healthy).
    var ownership: OwnershipService?
    /// The `[[matrix]]` accounts, by name.
    var matrixAccounts: [String: MatrixAccount] = [:]
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
        var statuses: [String: MatrixAccountStatus] = [:]
        for (name, account) in matrixAccounts { statuses[name] = await account.currentStatus }
        let (matrix, heldMatrix) = Self.matrixStates(statuses, holders: holders)
        var reasons = Self.connectionReasons(networks: networks.filter { held.contains($0.key) }, matrix: heldMatrix)
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
        return HealthReport(reasons: reasons, version: MJBridgeVersion.current, networks: networks, lastPoll: poll,
                            matrix: matrix.isEmpty ? nil : matrix)
    }

    /// What `/health` shows of each account, and the statuses of those this process holds (the
    /// only ones that count for health). Several processes on one database (`holders` not nil):
    /// an account held elsewhere shows who holds it, as a network does ("standby (held by
    /// <host> pid <n>)"), not the status of a sync loop that does not run here (pure).
    static func matrixStates(_ statuses: [String: MatrixAccountStatus], holders: [String: String]?)
        -> (shown: [String: HealthReport.MatrixAccountState], held: [String: MatrixAccountStatus]) {
        var shown: [String: HealthReport.MatrixAccountState] = [:]
        var held: [String: MatrixAccountStatus] = [:]
        for (name, status) in statuses {
            if let holder = holders?[name], holder != "held here" {
                shown[name] = HealthReport.MatrixAccountState(standby: holder)
            } else {
                shown[name] = HealthReport.MatrixAccountState(status)
                held[name] = status
            }
        }
        return (shown, held)
    }

    /// The connection rule (pure). As for IRC networks, one connection up is enough: a network
    /// reconnecting or an account backing off while another one works is not an outage of the
    /// bot (their state is in the body and in `/metrics`). A stopped account is different: it
    /// never comes back by itself, so it is a reason on its own.
    static func connectionReasons(networks: [String: String], matrix: [String: MatrixAccountStatus]) -> [String] {
        var reasons: [String] = []
        let registered = networks.values.contains("registered")
        let syncing = matrix.values.contains { $0.isSyncing }
        if !registered && !syncing {
            switch (networks.isEmpty, matrix.isEmpty) {
            case (false, true): reasons.append("no network is registered")
            case (true, false): reasons.append("no Matrix account is syncing")
            case (false, false): reasons.append("no network is registered and no Matrix account is syncing")
            case (true, true): break
            }
        }
        for (name, status) in matrix.sorted(by: { $0.key < $1.key }) {
            if let reason = status.stopReason { reasons.append("Matrix account \(name) stopped: \(reason)") }
        }
        return reasons
    }
}
