import Foundation

/// One figure of BENCHMARKS.md: what was measured, our value, the peer's value on the same
/// input in the same run (if there is a peer), the goal and whether it was met. The bench
/// writes these as JSON (`--json FILE`); Scripts/bench/render-benchmarks.py turns them into
/// the table, so every figure in BENCHMARKS.md comes from one run of this program.
struct BenchmarkRow: Codable {
    var area: String
    var metric: String
    /// Our figure, formatted with its unit ("3,120,000 lines/s (median 2,980,000), 412 MB/s").
    var value: String
    var peer: String?
    var peerValue: String?
    /// "31.5×" — ours over the peer's, higher is better.
    var ratio: String?
    var goal: String?
    /// nil when there is no goal for this row.
    var met: Bool?
    var note: String?
}

/// Best and median of several timed runs (seconds), the best being the least disturbed one on a
/// shared machine and the median what a typical run sees.
struct RunTimes: Codable {
    var cpu: [Double]
    var wall: [Double]

    var bestCPU: Double { cpu.min() ?? .infinity }
    var medianCPU: Double { median(cpu) }
    var bestWall: Double { wall.min() ?? .infinity }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .infinity }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Times `work` `runs` times in CPU seconds of this thread and in wall seconds.
    static func measure(runs: Int, _ work: () -> Void) -> RunTimes {
        var times = RunTimes(cpu: [], wall: [])
        for _ in 0..<runs {
            let start = ContinuousClock.now
            let cpuStart = threadCPUSeconds()
            work()
            times.cpu.append(threadCPUSeconds() - cpuStart)
            let elapsed = ContinuousClock.now - start
            times.wall.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return times
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

func format(_ value: Double) -> String {
    let formatter = NumberFormatter()
    formatter.numberStyle = .decimal
    formatter.maximumFractionDigits = 0
    return formatter.string(from: NSNumber(value: value)) ?? "\(Int(value))"
}

func format(_ value: Double, digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

/// Deterministic pseudo-random numbers (SplitMix64): the same corpus every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
