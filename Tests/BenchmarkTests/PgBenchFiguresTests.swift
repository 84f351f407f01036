import Foundation
import Testing
@testable import mjbridge_bench

/// The arithmetic behind the takeover and outbox-claim rows of BENCHMARKS.md (issue 10); the
/// timings themselves are never asserted.
@Suite struct PgBenchFiguresTests {
    @Test func spreadGivesMedianMinAndMax() {
        #expect(Spread([]) == nil)
        #expect(Spread([3.5]) == Spread(median: 3.5, min: 3.5, max: 3.5))
        #expect(Spread([9, 1, 5, 7, 3]) == Spread(median: 5, min: 1, max: 9))
        #expect(Spread([4, 1, 2, 3]) == Spread(median: 2.5, min: 1, max: 4))
    }

    @Test func takeoverRowShowsTheMedianOfTheKillsAndTheConfiguredBound() throws {
        let rows = TakeoverResult(seconds: [11.2, 10.8, 12.9, 11.0, 11.5], takeoverSeconds: 10).rows()
        let row = try #require(rows.first)
        #expect(rows.count == 1)
        #expect(row.value == "11.20 s median of 5 (min 10.80, max 12.90)")
        #expect(row.goal == "within takeover_seconds (10 s, the default) + reconnect")
        #expect(row.met == nil)
        #expect(TakeoverResult(seconds: [], takeoverSeconds: 10).rows().first?.value.hasPrefix("not measured") == true)
    }

    @Test func claimRowsSetPostgresBesideSQLiteWithBestAndMedian() throws {
        let result = ClaimResult(postgres: [1: [1000, 3000, 2000], 2: [5000]], sqlite: [1: [4000, 2000, 3000]],
                                 linesPerProcess: 2000, round: 100)
        let rows = result.rows()
        #expect(rows.count == 2)
        #expect(rows[0].value == "3,000 lines/s (median 2,000)")
        #expect(rows[0].peerValue == "4,000 lines/s (median 3,000)")
        #expect(rows[0].ratio == "0.75×")
        #expect(rows[1].value == "5,000 lines/s (median 5,000)")
        #expect(rows[1].peerValue == "not measured")
        #expect(rows[1].ratio == nil)
    }
}
