import Foundation

/// The takeover benchmark's figures (issue 10): seconds from the holder's SIGKILL to the
/// standby's JOIN, one per kill, and the configured `[store] takeover_seconds` they are set against.
struct TakeoverResult: Codable {
    static let area = "Takeover (2 processes, PostgreSQL)"
    static let metric = "SIGKILL of the holder → the standby's JOIN of the channel, as a user in it sees it"
    var seconds: [Double]
    var takeoverSeconds: Double

    static func unmeasured(_ why: String) -> [BenchmarkRow] {
        [BenchmarkRow(area: area, metric: metric, value: "not measured: \(why)",
                      goal: "within takeover_seconds + reconnect", met: nil)]
    }

    var summary: Spread? { Spread(seconds) }

    func rows() -> [BenchmarkRow] {
        guard let spread = summary else { return Self.unmeasured("no takeover completed") }
        return [BenchmarkRow(
            area: Self.area, metric: Self.metric,
            value: "\(format(spread.median, digits: 2)) s median of \(seconds.count) (min \(format(spread.min, digits: 2)), "
                + "max \(format(spread.max, digits: 2)))",
            goal: "within takeover_seconds (\(format(takeoverSeconds, digits: 0)) s, the default) + reconnect", met: nil,
            note: "InspIRCd testnet over TLS with SASL. A SIGKILL closes the holder's sockets, so PostgreSQL releases its lock at once; "
                + "the standby tries every takeover_seconds / 5 (\(format(max(0.5, takeoverSeconds / 5), digits: 1)) s), then connects, "
                + "registers and joins. takeover_seconds bounds the case of a holder that hangs without closing its session")]
    }
}

/// Median, least and greatest of a non-empty sample.
struct Spread: Equatable {
    var median: Double
    var min: Double
    var max: Double

    init(median: Double, min: Double, max: Double) {
        self.median = median
        self.min = min
        self.max = max
    }

    init?(_ values: [Double]) {
        let sorted = values.sorted()
        guard let first = sorted.first, let last = sorted.last else { return nil }
        median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        min = first
        max = last
    }
}

/// The outbox claim benchmark's figures: owed lines claimed and marked sent per second, per
/// store and number of concurrent "processes" (stores on one database), best and median of runs.
struct ClaimResult: Codable {
    static let area = "Outbox claim throughput"

    /// All stores' lines over the wall time of their concurrent claims, each run, for PostgreSQL and SQLite with 1 and 2 stores.
    var postgres: [Int: [Double]]
    var sqlite: [Int: [Double]]
    var linesPerProcess: Int
    var round: Int

    static func unmeasured(_ why: String) -> [BenchmarkRow] {
        [BenchmarkRow(area: area, metric: "owed lines claimed and marked sent per second (claimOwedLines + markSent(lineIds:))",
                      value: "not measured: \(why)", met: nil)]
    }

    static func rate(_ runs: [Double]?) -> (best: Double, median: Double)? {
        guard let runs, let spread = Spread(runs) else { return nil }
        return (spread.max, spread.median)
    }

    static func text(_ rate: (best: Double, median: Double)?) -> String? {
        rate.map { "\(format($0.best)) lines/s (median \(format($0.median)))" }
    }

    static func ratio(_ ours: (best: Double, median: Double)?, _ peer: (best: Double, median: Double)?) -> String? {
        guard let ours, let peer, peer.best > 0 else { return nil }
        return format(ours.best / peer.best, digits: 2) + "×"
    }

    func rows() -> [BenchmarkRow] {
        [1, 2].map { processes in
            let ours = Self.rate(postgres[processes])
            let peer = Self.rate(sqlite[processes])
            let who = processes == 1 ? "1 process" : "\(processes) processes' worth on one database (stores with their own connection pools, in the bench process), "
                + "each its own network, all lines over the wall time"
            return BenchmarkRow(
                area: Self.area,
                metric: "owed lines claimed and marked sent per second through PostgresStore, \(who)",
                value: Self.text(ours) ?? "not measured",
                peer: processes == 1 ? "SQLiteStore (one file)" : "SQLiteStore, \(processes) stores on one file",
                peerValue: Self.text(peer) ?? "not measured", ratio: Self.ratio(ours, peer), goal: nil, met: nil,
                note: "as the delivery worker claims: claimOwedLines(network:claimant:) (FOR NO KEY UPDATE SKIP LOCKED, the hold checked in "
                    + "pg_locks; SQLite: owedLines) then markSent(lineIds:at:) in one batch, rounds of \(round) "
                    + "lines, \(linesPerProcess) lines per process per run; local server, fsync off")
        }
    }
}
