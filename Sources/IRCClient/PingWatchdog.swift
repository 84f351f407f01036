/// Decides when a quiet connection needs a PING and when it is dead: PING after `idle` of
/// silence, give up when nothing at all arrived within `timeout` of that PING. Any received
/// line proves the connection alive. Pure; the shell feeds it the clock.
struct PingWatchdog<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    enum Step: Sendable, Hashable {
        /// Nothing to do before this instant.
        case wait(until: Instant)
        /// Send a PING now (then ask again).
        case sendPing
        /// No answer: the connection is dead.
        case timedOut
    }

    let idle: Duration
    let timeout: Duration
    private(set) var lastReceived: Instant
    private(set) var pingSentAt: Instant?

    init(idle: Duration, timeout: Duration, now: Instant) {
        self.idle = idle
        self.timeout = timeout
        self.lastReceived = now
    }

    mutating func received(at now: Instant) {
        lastReceived = now
        pingSentAt = nil
    }

    mutating func check(now: Instant) -> Step {
        if let pingSentAt {
            let deadline = pingSentAt.advanced(by: timeout)
            return now >= deadline ? .timedOut : .wait(until: deadline)
        }
        let due = lastReceived.advanced(by: idle)
        guard now >= due else { return .wait(until: due) }
        pingSentAt = now
        return .sendPing
    }
}
