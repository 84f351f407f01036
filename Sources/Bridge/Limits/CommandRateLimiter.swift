import Foundation

/// "More than N commands in 30 s, then ignored for 60 s, told once": a sliding window per
/// identity. A value type that returns what to do; the bridge keeps it in an actor.
///
/// Kept in memory, not in the store: a penalty lasts a minute, shorter than a restart, and
/// writing every chat command to disk would turn a flood into disk I/O.
public struct CommandRateLimiter: Sendable {
    public enum Decision: Sendable, Hashable {
        case allow
        /// The command that crossed the limit: ignore it and tell the sender, once.
        case ignoreAndNotify(until: Date)
        /// Further commands during the penalty: ignore silently.
        case ignore
    }

    public var limit: Int
    public var window: TimeInterval
    public var penalty: TimeInterval
    private var recent: [String: [Date]] = [:]
    private var penalised: [String: Date] = [:]

    public init(limit: Int, window: TimeInterval = LimitSettings.rateWindow, penalty: TimeInterval = LimitSettings.rateLimitPenalty) {
        self.limit = limit
        self.window = window
        self.penalty = penalty
    }

    /// One command from `identity` at `now`. `limit` 0 allows everything.
    public mutating func admit(_ identity: String, at now: Date) -> Decision {
        guard limit > 0 else { return .allow }
        if let until = penalised[identity] {
            if now < until { return .ignore }
            penalised[identity] = nil
            recent[identity] = nil
        }
        var times = recent[identity, default: []].filter { now.timeIntervalSince($0) < window }
        if times.count >= limit {
            let until = now.addingTimeInterval(penalty)
            penalised[identity] = until
            recent[identity] = nil
            return .ignoreAndNotify(until: until)
        }
        times.append(now)
        recent[identity] = times
        if recent.count > 4096 { forgetIdle(at: now) }
        return .allow
    }

    /// Drops identities with nothing in the window and no penalty running, so the table stays
    /// the size of the current crowd.
    public mutating func forgetIdle(at now: Date) {
        recent = recent.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
        penalised = penalised.filter { now < $0.value }
    }

    /// How many identities are remembered (for tests of `forgetIdle`).
    public var remembered: Int { Set(recent.keys).union(penalised.keys).count }
}

/// The bridge's rate limiter, shared by the concurrent handlers of chat lines.
actor CommandRateGate {
    private var limiter: CommandRateLimiter

    init(limit: Int) { limiter = CommandRateLimiter(limit: limit) }

    func admit(_ identity: String, limit: Int, at now: Date) -> CommandRateLimiter.Decision {
        // The limit comes from the live settings, so a reload takes effect at once.
        limiter.limit = limit
        return limiter.admit(identity, at: now)
    }
}
