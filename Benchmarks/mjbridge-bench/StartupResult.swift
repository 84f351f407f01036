import Foundation

/// The start-up and footprint figures, and the rows of BENCHMARKS.md made from them.
struct StartupResult {
    struct Sample {
        /// Jobs completed when RSS was read (0 = idle, registered and joined).
        var jobs: Int
        var rss: Int
    }

    var startSeconds: [Double]
    /// The same starts with the testnet's fake lag off (the jobs phase's class).
    var startSecondsWithoutFakeLag: [Double] = []
    /// A bare client (plain TCP, NICK/USER) connect → 001 on the same server: the server's floor.
    var bareClientSeconds: [Double] = []
    /// Fork/exec → the bot's log line of SASL success (its last step before the server's 001).
    var saslDoneSeconds: [Double] = []
    var samples: [Sample]

    static let area = "Start-up and footprint"
    static let startGoal = 0.300
    static let idleGoal = 30 * 1_048_576
    /// "No growth per job after warm-up", made checkable: the second half of the jobs may move
    /// RSS by at most this much (allocator and SQLite page-cache noise, not a per-job cost).
    static let flatTolerance = 1_048_576

    static func unmeasured(_ why: String) -> [BenchmarkRow] {
        [BenchmarkRow(area: area, metric: "process start → 001 over TLS; idle RSS; RSS after 1,000 jobs",
                      value: "not measured: \(why)", goal: "≤ 300 ms, ≤ 30 MB idle, no growth per job", met: nil)]
    }

    var medianStart: Double? { Self.median(startSeconds) }

    static func median(_ values: [Double]) -> Double? {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return nil }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    func rss(atJobs jobs: Int) -> Int? { samples.first { $0.jobs == jobs }?.rss }

    /// RSS change per job between the middle sample and the last (bytes; negative = shrank).
    var growthPerJobAfterWarmUp: Double? {
        guard let last = samples.last, last.jobs > 0, let middle = samples.last(where: { $0.jobs <= last.jobs / 2 && $0.jobs > 0 }),
              middle.jobs < last.jobs else { return nil }
        return Double(last.rss - middle.rss) / Double(last.jobs - middle.jobs)
    }

    /// Flat: the last sample within `flatTolerance` above the middle one.
    var flatAfterWarmUp: Bool? {
        guard let last = samples.last, last.jobs > 0, let middle = samples.last(where: { $0.jobs <= last.jobs / 2 && $0.jobs > 0 }),
              middle.jobs < last.jobs else { return nil }
        return last.rss - middle.rss <= Self.flatTolerance
    }

    func rows() -> [BenchmarkRow] {
        var rows: [BenchmarkRow] = []
        if let median = medianStart, let best = startSeconds.min(), let worst = startSeconds.max() {
            let bare = Self.median(bareClientSeconds)
            rows.append(BenchmarkRow(
                area: Self.area,
                metric: "process start → 001 over TLS (SASL PLAIN) on loopback, release `mjbridge run -c FILE` against the testnet's InspIRCd: from the fork/exec to the bot's log line \"registered as\" (written when 001 arrives), \(startSeconds.count) starts",
                value: "median \(ms(median)) ms (best \(ms(best)), worst \(ms(worst)))",
                peer: bare == nil ? nil : "the server's floor: a bare client (plain TCP, NICK/USER, no CAP/SASL/TLS) connect → 001, same server",
                peerValue: bare.map { "median \(ms($0)) ms" },
                goal: "≤ 300 ms", met: median <= Self.startGoal,
                note: bare.map { "InspIRCd answers even a bare client about \(ms($0)) ms after it registers; the bot's own part is the next row" }))
        }
        if let sasl = Self.median(saslDoneSeconds), let bare = Self.median(bareClientSeconds), let median = medianStart {
            rows.append(BenchmarkRow(
                area: Self.area,
                metric: "the bot's own part: fork/exec → SASL success logged (config, database, HTTP listener, TLS handshake, CAP, SASL; the bot sends CAP END at once); and 001 less the server's floor",
                value: "median \(ms(sasl)) ms to SASL success; \(ms(max(0, median - bare))) ms over the bare client's 001",
                goal: "≤ 300 ms", met: sasl <= Self.startGoal && median - bare <= Self.startGoal))
        }
        if let median = Self.median(startSecondsWithoutFakeLag), let best = startSecondsWithoutFakeLag.min(),
           let worst = startSecondsWithoutFakeLag.max() {
            rows.append(BenchmarkRow(
                area: Self.area,
                metric: "process start → 001 again, \(startSecondsWithoutFakeLag.count) starts with the testnet's connect class relaxed (no fake lag): the delay is not the fake lag",
                value: "median \(ms(median)) ms (best \(ms(best)), worst \(ms(worst)))",
                goal: nil, met: nil))
        }
        if let idle = rss(atJobs: 0) {
            rows.append(BenchmarkRow(
                area: Self.area, metric: "idle RSS: one network connected, one channel joined, 10 s after the join",
                value: ProcessFootprint.megabytes(idle), goal: "≤ 30 MB", met: idle <= Self.idleGoal))
        }
        if let last = samples.last, last.jobs > 0 {
            let marks = samples.filter { [200, 500, last.jobs].contains($0.jobs) }
                .map { "\(format(Double($0.jobs))): \(ProcessFootprint.megabytes($0.rss))" }.joined(separator: ", ")
            let growth = growthPerJobAfterWarmUp.map { format($0 / 1024, digits: 2) + " KB/job over the second half" } ?? "?"
            rows.append(BenchmarkRow(
                area: Self.area,
                metric: "RSS after \(format(Double(last.jobs))) completed jobs (`!imagine` from a user in the channel, simulator instant, callbacks on; testnet flood limits relaxed for this phase)",
                value: "\(ProcessFootprint.megabytes(last.rss)) (\(marks)); \(growth)",
                goal: "no growth per job after warm-up (RSS at the end within 1 MB of RSS at half-way)", met: flatAfterWarmUp))
        }
        return rows
    }

    private func ms(_ seconds: Double) -> String { format(seconds * 1000, digits: 0) }
}
