import Foundation
import Store
import Synchronization
import Testing
@testable import Bridge

/// `!stats` counting over task records: which day, which outcome, the median.
@Suite struct DailyStatisticsTests {
    /// 2025-05-27 00:00:00 UTC.
    static let midnight = Date(timeIntervalSince1970: 1_748_304_000)
    static let day = DateInterval(start: midnight, duration: 86_400)

    static func task(_ id: String, created: TimeInterval, finished: TimeInterval? = nil, status: String = "SUCCESS",
                     failReason: String? = nil, timedOut: Bool = false) -> TaskRecord {
        var task = TaskRecord(id: id, route: TaskRoute(network: "n", channel: "#c", nick: "alice"), kind: "imagine",
                              prompt: "p", status: finished == nil ? "IN_PROGRESS" : status, statusRank: 0,
                              createdAt: midnight.addingTimeInterval(created), deadline: midnight.addingTimeInterval(created + 900))
        if let finished {
            task.isTerminal = true
            task.finishedAt = midnight.addingTimeInterval(finished)
            task.failReason = failReason
            task.timedOut = timedOut
        }
        return task
    }

    @Test func theUTCDayOfAnInstant() {
        #expect(DailyStatistics.utcDay(containing: Self.midnight.addingTimeInterval(86_399.9)) == Self.day)
        #expect(DailyStatistics.utcDay(containing: Self.midnight) == Self.day)
        #expect(DailyStatistics.utcDay(containing: Self.midnight.addingTimeInterval(-0.001)).end == Self.midnight)
    }

    @Test func outcomesAreCountedOnTheDayTheyEnded() {
        let tasks = [
            Self.task("ok1", created: 100, finished: 130),                         // 30 s
            Self.task("ok2", created: 200, finished: 290),                         // 90 s
            Self.task("ok3", created: -600, finished: 600),                        // submitted yesterday, 1200 s
            Self.task("fail", created: 300, finished: 310, status: "FAILURE", failReason: "banned prompt"),
            Self.task("cancel", created: 400, finished: 410, status: "CANCEL"),
            Self.task("cancel-zh", created: 500, finished: 510, status: "FAILURE", failReason: "取消任务"),
            Self.task("late", created: 600, finished: 1500, status: "IN_PROGRESS", timedOut: true),
            Self.task("running", created: 700),
            Self.task("tomorrow", created: 86_300, finished: 86_400),               // ends at the next midnight
            Self.task("yesterday", created: -900, finished: -1),                   // neither submitted nor ended today
        ]
        let stats = DailyStatistics(day: Self.day, tasks: tasks)
        #expect(stats.submitted == 8, "all but the two from yesterday")
        #expect(stats.succeeded == 3)
        #expect(stats.failed == 2 && stats.timedOut == 1)
        #expect(stats.cancelled == 2)
        #expect(stats.medianSecondsToResult == 90)
    }

    @Test func theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        let stats = DailyStatistics(day: Self.day, tasks: [
            Self.task("a", created: 0, finished: 10), Self.task("b", created: 0, finished: 40),
            Self.task("c", created: 0, finished: 20), Self.task("d", created: 0, finished: 1000),
        ])
        #expect(stats.medianSecondsToResult == 30)
        #expect(DailyStatistics(day: Self.day, tasks: [Self.task("x", created: 0)]).medianSecondsToResult == nil)
        #expect(DailyStatistics(day: Self.day, tasks: []) == DailyStatistics(day: Self.day, tasks: []))
    }

    @Test func outcomeOfEachTerminalStatus() {
        #expect(TaskOutcome.of(status: "SUCCESS", failReason: nil) == .succeeded)
        #expect(TaskOutcome.of(status: "success", failReason: nil) == .succeeded)
        #expect(TaskOutcome.of(status: "CANCEL", failReason: nil) == .cancelled)
        #expect(TaskOutcome.of(status: "CANCELLED", failReason: nil) == .cancelled)
        #expect(TaskOutcome.of(status: "FAILURE", failReason: "任务已取消: 取消任务") == .cancelled)
        #expect(TaskOutcome.of(status: "FAILURE", failReason: nil) == .failed)
        #expect(TaskOutcome(Self.task("p", created: 0)) == nil)
        #expect(TaskOutcome(Self.task("t", created: 0, finished: 9, status: "SUCCESS", timedOut: true)) == .timedOut)
    }

    @Test func theStatsLine() {
        let stats = DailyStatistics(day: Self.day, tasks: [
            Self.task("a", created: 0, finished: 42), Self.task("b", created: 0, finished: 60, status: "FAILURE", timedOut: true),
        ])
        let today = DailyStatistics.utcDay(containing: Self.midnight)
        let counters = ActivityCounters.Snapshot(startedAt: Self.midnight, day: today, proxyErrors: 1, reconnects: 2)
        #expect(CommandContext.statsText(stats, pending: 3, counters: counters, now: Self.midnight.addingTimeInterval(3 * 3600 + 300))
                == "Today (UTC): 2 submitted, 1 succeeded, 1 failed (1 timed out), 0 cancelled, median 42 s to result; 3 pending now; "
                + "1 proxy error, 2 reconnects.")
        let quiet = DailyStatistics(day: Self.day, tasks: [])
        // Started during the day: the in-memory counts say since when.
        let lateStart = Self.midnight.addingTimeInterval(7 * 3600 + 12 * 60)
        #expect(CommandContext.statsText(quiet, pending: 0, counters: .init(startedAt: lateStart, day: today, reconnects: 1),
                                         now: lateStart.addingTimeInterval(59))
                == "Today (UTC): 0 submitted, 0 succeeded, 0 failed, 0 cancelled, no result yet; 0 pending now; "
                + "since the start at 07:12 UTC: 0 proxy errors, 1 reconnect.")
    }

    /// The counts are today's: they start from zero at 00:00 UTC, the start time stays.
    @Test func activityCountersRollOverAtMidnight() {
        let clock = Mutex(Self.midnight.addingTimeInterval(23 * 3600))
        let counters = ActivityCounters(startedAt: clock.withLock { $0 }, now: { clock.withLock { $0 } })
        counters.recordProxyError()
        counters.recordReconnect()
        #expect(counters.snapshot.proxyErrors == 1 && counters.snapshot.reconnects == 1)
        clock.withLock { $0 = $0.addingTimeInterval(3600) }
        #expect(counters.snapshot.proxyErrors == 0 && counters.snapshot.reconnects == 0)
        counters.recordProxyError()
        #expect(counters.snapshot.proxyErrors == 1)
        #expect(counters.snapshot.countedSince == Self.midnight.addingTimeInterval(86_400))
    }
}
