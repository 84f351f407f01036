/// Caps how many CTCP replies the bot sends, so a CTCP flood from many clones cannot make it
/// flood the server and get killed: at most `limit` replies in any sliding `window`.
///
/// Pure: the caller passes the current time, so tests are exact.
public struct CTCPRateLimiter: Sendable, Hashable {
    public let limit: Int
    public let window: Duration
    // The times of the replies still inside the window, oldest first (at most `limit`).
    private var recent: [ContinuousClock.Instant] = []

    /// Default: 3 replies per 10 seconds, for all requesters together.
    public init(limit: Int = 3, window: Duration = .seconds(10)) {
        self.limit = max(0, limit)
        self.window = window
    }

    /// Whether a reply may go out at `now`; if so, it is counted.
    public mutating func allow(now: ContinuousClock.Instant) -> Bool {
        recent.removeAll { $0.duration(to: now) >= window }
        guard recent.count < limit else { return false }
        recent.append(now)
        return true
    }
}
