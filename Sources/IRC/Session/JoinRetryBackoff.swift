/// How long to wait before asking again for a channel that refused us (full, invite-only,
/// banned, wrong key): those states change on a human's time scale, so the wait doubles per
/// refusal and stays capped, and the bot never gives up on a configured channel.
public struct JoinRetryBackoff: Sendable, Equatable {
    public let base: Duration
    public let maximum: Duration

    public init(base: Duration, maximum: Duration) {
        self.base = base
        self.maximum = maximum
    }

    /// The wait after the `refusals`-th refusal in a row (1 → `base`, 2 → 2 × `base`, …).
    /// A zero `base` (rejoin at once after a kick) still waits a little here, so a refusing
    /// server does not get a JOIN per round trip.
    public func delay(afterRefusals refusals: Int) -> Duration {
        var delay = max(base, .milliseconds(100))
        guard refusals > 1 else { return min(delay, maximum) }
        for _ in 1..<refusals {
            if delay >= maximum { break }
            delay *= 2
        }
        return min(delay, maximum)
    }
}
