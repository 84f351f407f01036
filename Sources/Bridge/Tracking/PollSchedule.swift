import Foundation

/// When a pending task is due for a poll. Young tasks are polled every `interval`; tasks that
/// have been running a while are polled less often, since a long job rarely finishes in the
/// next five seconds. A task heard from recently (a callback) is not polled at all.
public struct PollSchedule: Sendable {
    public var interval: TimeInterval
    /// Age thresholds and the multiple of `interval` used beyond them.
    public var backoff: [(age: TimeInterval, factor: Double)]

    public init(interval: TimeInterval = 5,
                backoff: [(age: TimeInterval, factor: Double)] = [(120, 2), (300, 4), (600, 6)]) {
        self.interval = interval
        self.backoff = backoff
    }

    /// The poll spacing for a task of this age.
    public func spacing(age: TimeInterval) -> TimeInterval {
        let factor = backoff.last(where: { age >= $0.age })?.factor ?? 1
        return interval * factor
    }

    /// Whether a task created at `createdAt`, last heard from at `lastHeard` and last polled
    /// at `lastPolled` should be in this cycle's batch.
    public func isDue(createdAt: Date, lastHeard: Date?, lastPolled: Date?, now: Date) -> Bool {
        let spacing = spacing(age: now.timeIntervalSince(createdAt))
        let latest = [lastHeard, lastPolled].compactMap { $0 }.max()
        guard let latest else { return true }
        return now.timeIntervalSince(latest) >= spacing
    }
}
