import Synchronization

/// The tracker's own limit on one mirror. The host promises to return within its download
/// deadline (about 20 s); this only keeps a host that broke that promise from holding a
/// mirror slot, and a result line, forever. Past it the result is posted with the proxy's
/// links and the mirror is cancelled (a hanging host would otherwise keep one task per result
/// alive); the real host counts a cancelled download as failed and retries it in the background
/// (`!status` then shows the short link). The wait runs on the bridge's clock, so tests are exact.
enum MirrorDeadline {
    static func mirror(_ images: ResultImages, with host: any ResultImageHost, limit: Duration,
                       clock: BridgeClock) async -> MirrorOutcome {
        let race = Race()
        return await withCheckedContinuation { (continuation: CheckedContinuation<MirrorOutcome, Never>) in
            let mirror = Task {
                let outcome = await host.mirror(images)
                if race.claim() { continuation.resume(returning: outcome) }
            }
            race.setTimer(Task {
                // Cancelled when the mirror answers first: the sleep throws, nothing happens.
                try await clock.sleep(limit)
                guard race.claim() else { return }
                mirror.cancel()
                continuation.resume(returning: .failed(reason: "the image host did not answer within \(limit)"))
            })
        }
    }
}

/// Who answers first, the mirror or the timer: the continuation is resumed exactly once, and
/// the timer of a mirror that answered is cancelled (no sleeping task left per result).
private final class Race: Sendable {
    private struct State {
        var claimed = false
        var timer: Task<Void, any Error>?
    }

    private let state = Mutex(State())

    /// True for the first caller only; cancels the timer.
    func claim() -> Bool {
        let (first, timer) = state.withLock { state -> (Bool, Task<Void, any Error>?) in
            defer { state.claimed = true }
            return (!state.claimed, state.timer)
        }
        if first { timer?.cancel() }
        return first
    }

    /// The timer of this race; cancelled at once when the mirror already answered.
    func setTimer(_ timer: Task<Void, any Error>) {
        let claimed = state.withLock { state -> Bool in
            state.timer = timer
            return state.claimed
        }
        if claimed { timer.cancel() }
    }
}
