import Testing
@testable import IRCClient

/// A clock reading we control: seconds as a plain number.
private struct FakeInstant: InstantProtocol {
    var offset: Duration
    func advanced(by duration: Duration) -> FakeInstant { FakeInstant(offset: offset + duration) }
    func duration(to other: FakeInstant) -> Duration { other.offset - offset }
    static func < (a: FakeInstant, b: FakeInstant) -> Bool { a.offset < b.offset }
}

private func at(_ seconds: Int) -> FakeInstant { FakeInstant(offset: .seconds(seconds)) }

@Suite struct PingWatchdogTests {
    @Test func waitsForIdleThenPingsThenTimesOut() {
        var watchdog = PingWatchdog(idle: .seconds(90), timeout: .seconds(60), now: at(0))
        #expect(watchdog.check(now: at(10)) == .wait(until: at(90)))
        #expect(watchdog.check(now: at(90)) == .sendPing)
        #expect(watchdog.check(now: at(100)) == .wait(until: at(150)))
        #expect(watchdog.check(now: at(150)) == .timedOut)
    }

    @Test func anyLineResetsTheWatch() {
        var watchdog = PingWatchdog(idle: .seconds(90), timeout: .seconds(60), now: at(0))
        #expect(watchdog.check(now: at(95)) == .sendPing)
        watchdog.received(at: at(120))
        #expect(watchdog.check(now: at(150)) == .wait(until: at(210)))
        #expect(watchdog.check(now: at(210)) == .sendPing)
    }
}
