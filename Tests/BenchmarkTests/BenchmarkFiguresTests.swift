import Foundation
import Testing
@testable import mjbridge_bench

/// The arithmetic and bookkeeping behind the tracking and start-up rows of BENCHMARKS.md
/// (the timings themselves are never asserted: performance is not a test).
@Suite struct BenchmarkFiguresTests {
    @Test func statementsAreCountedByTheirFirstKeyword() {
        #expect(StatementTally.kind(of: "SELECT * FROM task WHERE id = ?") == "SELECT")
        #expect(StatementTally.kind(of: "  update \"task\" SET x = ?") == "UPDATE")
        #expect(StatementTally.kind(of: "BEGIN IMMEDIATE TRANSACTION") == "BEGIN")
        #expect(StatementTally.kind(of: "") == "OTHER")
        let tally = StatementTally()
        tally.record("SELECT 1")
        tally.record("select 2")
        tally.record("COMMIT TRANSACTION")
        #expect(tally.snapshot() == ["SELECT": 2, "COMMIT": 1])
        tally.reset()
        #expect(tally.snapshot().isEmpty)
    }

    @Test func residentSizeIsReadFromProcStatusWithTabs() {
        let status = "Name:\tbench\nVmHWM:\t   48128 kB\nVmRSS:\t   40960 kB\nThreads:\t7\n"
        #expect(ProcessFootprint.statusField("VmRSS", in: status) == 40960 * 1024)
        #expect(ProcessFootprint.statusField("VmHWM", in: status) == 48128 * 1024)
        #expect(ProcessFootprint.statusField("Threads", in: status) == 7)
        #expect(ProcessFootprint.statusField("VmSwap", in: status) == nil)
        // This process has a resident size, and its peak is at least that.
        let rss = ProcessFootprint.residentBytes()
        #expect(rss != nil && rss! > 0)
        #expect(ProcessFootprint.peakResidentBytes()! >= rss!)
    }

    func trackingResult(requests: [Int], total: Int? = nil, rss: Int = 40 << 20) -> TrackingScaleResult {
        let cycles = requests.enumerated().map { i, r in
            TrackingScaleResult.Cycle(requests: r, cpuSeconds: 0.5 + Double(i) * 0.1, wallSeconds: 1, statements: ["SELECT": 100, "UPDATE": 10_000, "BEGIN": 100, "COMMIT": 100])
        }
        let naive = [TrackingScaleResult.Cycle(requests: 10_000, cpuSeconds: 7, wallSeconds: 20, statements: [:])]
        return TrackingScaleResult(tasks: 10_000, batch: 100, cycles: cycles, naive: naive, rssAtStart: 10 << 20,
                                   rssAfterInsert: 20 << 20, rssAfterWarmUp: 30 << 20, rssAfterCycles: rss, peakAfterCycles: rss, rssAfterTrim: rss, totalRequests: total ?? 0)
    }

    @Test func trackingRowsJudgeTheRequestCountCPUPerBatchAndRSS() {
        let rows = trackingResult(requests: [100, 100, 100]).rows(crossCheck: "same", requestsAgree: true)
        #expect(rows.count == 4)
        #expect(rows[0].met == true && rows[0].goal == "⌈10000 / 100⌉ = 100 requests")
        #expect(rows[0].ratio?.hasPrefix("100× fewer requests, 14.0× less CPU") == true, "\(rows[0].ratio ?? "")")
        // Best cycle 0.5 s CPU over 100 batches: 5 ms per batch.
        #expect(rows[1].value.hasPrefix("5.00 ms") && rows[1].met == true)
        #expect(rows[2].value.hasPrefix("1.03 (100 reads, 10000 writes, 10300 in all"), "\(rows[2].value)")
        #expect(rows[3].met == true)

        // A cycle that made another count, or a simulator that saw other requests: not met.
        #expect(trackingResult(requests: [100, 99]).rows(crossCheck: "", requestsAgree: true)[0].met == false)
        #expect(trackingResult(requests: [100]).rows(crossCheck: "", requestsAgree: false)[0].met == false)
        #expect(trackingResult(requests: [100], rss: 61 << 20).rows(crossCheck: "", requestsAgree: true)[3].met == false)
    }

    @Test func startupRowsTakeTheMedianAndJudgeGrowthOverTheSecondHalf() {
        let samples = [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000].map {
            StartupResult.Sample(jobs: $0, rss: (20 << 20) + min($0, 300) * 4096)
        }
        let flat = StartupResult(startSeconds: [0.4, 0.1, 0.2, 0.3], startSecondsWithoutFakeLag: [0.2, 0.31, 0.35],
                                 bareClientSeconds: [0.05, 0.1, 0.15], saslDoneSeconds: [0.08, 0.09, 0.12], samples: samples)
        #expect(flat.medianStart == 0.25)
        #expect(flat.growthPerJobAfterWarmUp == 0)
        #expect(flat.flatAfterWarmUp == true)
        let rows = flat.rows()
        #expect(rows.count == 5)
        #expect(rows[0].value == "median 250 ms (best 100, worst 400)" && rows[0].met == true && rows[0].peerValue == "median 100 ms")
        // The bot's part: 90 ms to SASL success, 150 ms over the bare client's 001.
        #expect(rows[1].value == "median 90 ms to SASL success; 150 ms over the bare client's 001" && rows[1].met == true)
        #expect(rows[2].value == "median 310 ms (best 200, worst 350)" && rows[2].met == nil)
        #expect(rows[3].met == true)
        #expect(rows[4].met == true && rows[4].value.contains("200: ") && rows[4].value.contains("500: "), "\(rows[4].value)")

        // 4 KB per job all the way: 2 MB over the second half, not flat.
        let growing = StartupResult(startSeconds: [0.5], samples: [0, 500, 1000].map { .init(jobs: $0, rss: (20 << 20) + $0 * 4096) })
        #expect(growing.growthPerJobAfterWarmUp == 4096)
        #expect(growing.flatAfterWarmUp == false)
        #expect(growing.rows()[0].met == false)
        // No jobs measured: no verdict.
        #expect(StartupResult(startSeconds: [], samples: [.init(jobs: 0, rss: 1)]).flatAfterWarmUp == nil)
    }
}
