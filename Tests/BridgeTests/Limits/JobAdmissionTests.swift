import Foundation
import Store
import Testing
@testable import Bridge

/// 2026-11-30 21:48:00 UTC.
let evening = Date(timeIntervalSince1970: 1_796_075_280)

@Suite struct JobAdmissionTests {
    let settings = LimitSettings()
    var admission: JobAdmission { JobAdmission(settings: settings, exempt: false) }

    @Test func eveningIsWhatTheTestsSay() {
        #expect(UTCDay(containing: evening).key == "2026-11-30")
        #expect(evening.timeIntervalSince(UTCDay(containing: evening).start) == 21 * 3600 + 48 * 60)
    }

    @Test func theDefaultsAreTheIssues() {
        #expect(settings == LimitSettings(dailyJobs: 25, pendingPerUser: 2, pendingPerChannel: 10, pendingTotal: 50,
                                          cooldownSeconds: 10, commandsPer30s: 6, adminsExempt: true, bannedWords: []))
    }

    @Test func freshUserIsAdmitted() {
        #expect(admission.refusal(JobCounters(pendingChannel: 0), now: evening) == nil)
    }

    @Test func dailyLimitAtItsBoundaryWithTheResetTime() {
        #expect(admission.refusal(JobCounters(usedToday: 24), now: evening) == nil)
        let refusal = admission.refusal(JobCounters(usedToday: 25), now: evening)
        #expect(refusal == .daily(limit: 25, resetsAt: evening.addingTimeInterval(2 * 3600 + 12 * 60)))
        #expect(refusal?.sentence(now: evening) == "daily limit of 25 jobs reached; resets at 00:00 UTC (in 2 h 12 min).")
        // 20:48 is the issue's example.
        let earlier = evening.addingTimeInterval(-3600 + 0)
        #expect(admission.refusal(JobCounters(usedToday: 30), now: earlier)?.sentence(now: earlier)
                == "daily limit of 25 jobs reached; resets at 00:00 UTC (in 3 h 12 min).")
    }

    @Test func overridesTakePrecedenceTodayThenUserThenEveryoneThenConfig() {
        var counters = JobCounters(usedToday: 30, todayLimit: 40, userDefaultLimit: 5, globalDefaultLimit: 3)
        #expect(admission.dailyLimit(counters) == 40)
        #expect(admission.refusal(counters, now: evening) == nil)
        counters.todayLimit = nil
        #expect(admission.dailyLimit(counters) == 5)
        counters.userDefaultLimit = nil
        #expect(admission.dailyLimit(counters) == 3)
        counters.globalDefaultLimit = nil
        #expect(admission.dailyLimit(counters) == 25)
        // 0 = unlimited, at any level.
        counters.userDefaultLimit = 0
        #expect(admission.refusal(JobCounters(usedToday: 10_000, userDefaultLimit: 0), now: evening) == nil)
        #expect(JobAdmission(settings: LimitSettings(dailyJobs: 0), exempt: false).refusal(JobCounters(usedToday: 10_000), now: evening) == nil)
    }

    @Test func pendingCapsPerUserChannelAndTotal() {
        #expect(admission.refusal(JobCounters(pendingUser: 1), now: evening) == nil)
        let user = admission.refusal(JobCounters(pendingUser: 2), now: evening)
        #expect(user == .pendingPerUser(limit: 2))
        #expect(user?.sentence(now: evening) == "you have 2 jobs running; wait for one to finish.")

        #expect(admission.refusal(JobCounters(pendingChannel: 9), now: evening) == nil)
        let channel = admission.refusal(JobCounters(pendingChannel: 10), now: evening)
        #expect(channel?.sentence(now: evening) == "this channel has 10 jobs running; wait for one to finish.")
        // Private conversations have no channel count.
        #expect(admission.refusal(JobCounters(pendingChannel: nil, pendingTotal: 49), now: evening) == nil)

        let total = admission.refusal(JobCounters(pendingTotal: 50), now: evening)
        #expect(total == .pendingTotal(limit: 50))
        #expect(total?.sentence(now: evening) == "I have 50 jobs running, my maximum; try again when one finishes.")

        let off = JobAdmission(settings: .unlimited, exempt: false)
        #expect(off.refusal(JobCounters(pendingUser: 99, pendingChannel: 99, pendingTotal: 999), now: evening) == nil)
    }

    @Test func cooldownCountsFromTheLastSubmission() {
        let last = evening.addingTimeInterval(-3)
        let refusal = admission.refusal(JobCounters(lastSubmissionAt: last), now: evening)
        #expect(refusal == .cooldown(seconds: 10, remaining: 7))
        #expect(refusal?.sentence(now: evening) == "one job per 10 s: wait 7 s before the next.")
        // 2.5 s left is said as 3 s: never "wait 0 s".
        #expect(admission.refusal(JobCounters(lastSubmissionAt: evening.addingTimeInterval(-7.5)), now: evening)?.sentence(now: evening)
                == "one job per 10 s: wait 3 s before the next.")
        #expect(admission.refusal(JobCounters(lastSubmissionAt: evening.addingTimeInterval(-10)), now: evening) == nil)
        #expect(JobAdmission(settings: LimitSettings(cooldownSeconds: 0), exempt: false)
                    .refusal(JobCounters(lastSubmissionAt: evening), now: evening) == nil)
    }

    @Test func theDailyLimitIsNamedFirst() {
        let all = JobCounters(usedToday: 25, pendingUser: 2, pendingChannel: 10, pendingTotal: 50, lastSubmissionAt: evening)
        #expect(admission.refusal(all, now: evening) == .daily(limit: 25, resetsAt: UTCDay(containing: evening).end))
    }

    @Test func exemptCallersAreNeverRefused() {
        let all = JobCounters(usedToday: 99, pendingUser: 9, pendingChannel: 99, pendingTotal: 99, lastSubmissionAt: evening)
        #expect(JobAdmission(settings: settings, exempt: true).refusal(all, now: evening) == nil)
    }

    @Test func singularWording() {
        #expect(LimitRefusal.daily(limit: 1, resetsAt: evening.addingTimeInterval(40)).sentence(now: evening)
                == "daily limit of 1 job reached; resets at 00:00 UTC (in 40 s).")
        #expect(LimitRefusal.pendingPerUser(limit: 1).sentence(now: evening) == "you have 1 job running; wait for one to finish.")
    }
}

@Suite struct UTCDayTests {
    @Test func dayRollsOverAtMidnightUTC() {
        let lastSecond = UTCDay(containing: evening).end.addingTimeInterval(-1)
        #expect(UTCDay(containing: lastSecond).key == "2026-11-30")
        let midnight = UTCDay(containing: evening).end
        #expect(UTCDay(containing: midnight).key == "2026-12-01")
        #expect(UTCDay(containing: midnight).start == midnight)
        #expect(UTCDay(containing: evening) < UTCDay(containing: midnight))
        // New year and a leap day.
        #expect(UTCDay(containing: Date(timeIntervalSince1970: 1_798_761_600)).key == "2027-01-01")
        #expect(UTCDay(containing: Date(timeIntervalSince1970: 1_835_395_200)).key == "2028-02-29")
    }

    @Test func waitTextRoundsUp() {
        #expect(WaitText.duration(0) == "0 s")
        #expect(WaitText.duration(0.2) == "1 s")
        #expect(WaitText.duration(59) == "59 s")
        #expect(WaitText.duration(59.5) == "1 min")
        #expect(WaitText.duration(60) == "1 min")
        #expect(WaitText.duration(61) == "2 min")
        #expect(WaitText.duration(3600) == "1 h")
        #expect(WaitText.duration(2 * 3600 + 12 * 60) == "2 h 12 min")
        #expect(WaitText.duration(2 * 3600 + 11 * 60 + 30) == "2 h 12 min")
        #expect(WaitText.duration(24 * 3600) == "24 h")
        #expect(WaitText.duration(-5) == "0 s")
    }
}
