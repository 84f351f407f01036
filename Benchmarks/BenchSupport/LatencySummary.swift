/// p50, p99 and max of a set of latencies (seconds), by the nearest-rank method: the p-th
/// percentile is the smallest sample with at least p % of the samples at or below it, so it is
/// always a latency that was measured, never an interpolation between two.
public struct LatencySummary: Sendable, Equatable {
    public let count: Int
    public let p50: Double
    public let p99: Double
    public let max: Double

    /// nil for no samples.
    public init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        count = sorted.count
        p50 = Self.percentile(50, ofSorted: sorted)
        p99 = Self.percentile(99, ofSorted: sorted)
        max = sorted[sorted.count - 1]
    }

    /// Nearest rank: the sample at rank ⌈p/100 · n⌉ (1-based) of the sorted samples.
    public static func percentile(_ p: Double, ofSorted sorted: [Double]) -> Double {
        precondition(!sorted.isEmpty && p > 0 && p <= 100)
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.max(1, Swift.min(sorted.count, rank)) - 1]
    }
}
