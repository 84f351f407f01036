import BenchSupport
import Testing

struct LatencySummaryTests {
    @Test func nearestRankOfAHundredSamples() throws {
        // 1…100 shuffled: the p-th percentile is exactly p.
        let samples = (1...100).map(Double.init).shuffled()
        let summary = try #require(LatencySummary(samples))
        #expect(summary.count == 100)
        #expect(summary.p50 == 50)
        #expect(summary.p99 == 99)
        #expect(summary.max == 100)
    }

    @Test func smallSetsTakeTheSampleAtOrAboveTheRank() throws {
        let summary = try #require(LatencySummary([0.004, 0.001, 0.003]))
        // ⌈0.5 · 3⌉ = 2nd, ⌈0.99 · 3⌉ = 3rd smallest.
        #expect(summary.p50 == 0.003)
        #expect(summary.p99 == 0.004)
        #expect(summary.max == 0.004)
        let one = try #require(LatencySummary([7]))
        #expect(one.p50 == 7 && one.p99 == 7 && one.max == 7)
    }

    @Test func oneSlowSampleInAThousandIsNotTheP99() throws {
        var samples = Array(repeating: 0.002, count: 999)
        samples.append(0.5)
        let summary = try #require(LatencySummary(samples))
        #expect(summary.p99 == 0.002)
        #expect(summary.max == 0.5)
        // Eleven slow ones in a thousand are.
        samples += Array(repeating: 0.5, count: 10)
        #expect(LatencySummary(samples)?.p99 == 0.5)
    }

    @Test func noSamplesNoSummary() {
        #expect(LatencySummary([]) == nil)
    }
}
