import Foundation
import Testing
@testable import Bridge
import Store

@Suite struct RouteStateTests {
    @Test func roundTrips() {
        let channel = TaskRoute(network: "libera chat", channel: "#art", nick: "alice")
        #expect(RouteState.encode(channel) == "mjb1 libera%20chat #art alice")
        #expect(RouteState.decode(RouteState.encode(channel)) == channel)
        let privately = TaskRoute(network: "net", channel: nil, nick: "bob[away]")
        #expect(RouteState.decode(RouteState.encode(privately)) == privately)
    }

    @Test func rejectsForeignOrDangerousStates() {
        #expect(RouteState.decode(nil) == nil)
        #expect(RouteState.decode("irc:#art:alice") == nil)
        #expect(RouteState.decode("mjb1 net #art") == nil)
        #expect(RouteState.decode("mjb1 net #art%0D%0AQUIT alice") == nil)
        #expect(RouteState.decode("mjb1 net #art " + String(repeating: "a", count: 300)) == nil)
    }
}

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
