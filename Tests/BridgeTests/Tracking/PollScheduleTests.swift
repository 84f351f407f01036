import Foundation
import Testing
@testable import Bridge

@Suite struct PollScheduleTests {
    let t0 = Date(timeIntervalSince1970: 0)

    @Test func youngTasksEveryIntervalOlderOnesLessOften() {
        let schedule = PollSchedule(interval: 5)
        #expect(schedule.spacing(age: 0) == 5)
        #expect(schedule.spacing(age: 119) == 5)
        #expect(schedule.spacing(age: 120) == 10)
        #expect(schedule.spacing(age: 300) == 20)
        #expect(schedule.spacing(age: 3600) == 30)
    }

    @Test func dueWhenNeitherHeardNorPolledWithinTheSpacing() {
        let schedule = PollSchedule(interval: 5)
        #expect(schedule.isDue(createdAt: t0, lastHeard: nil, lastPolled: nil, now: t0))
        #expect(!schedule.isDue(createdAt: t0, lastHeard: t0 + 8, lastPolled: t0 + 5, now: t0 + 12))
        #expect(schedule.isDue(createdAt: t0, lastHeard: t0 + 8, lastPolled: t0 + 5, now: t0 + 13))
        #expect(!schedule.isDue(createdAt: t0, lastHeard: nil, lastPolled: t0 + 200, now: t0 + 209))
        #expect(schedule.isDue(createdAt: t0, lastHeard: nil, lastPolled: t0 + 200, now: t0 + 210))
    }
}
