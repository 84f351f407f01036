import Foundation
import Synchronization

/// What the tasks table cannot tell `!stats`: proxy requests that failed and IRC reconnects,
/// counted per UTC day like the rest of `!stats` (they start from zero at 00:00 UTC). Kept in
/// memory, so after a restart they count from the start (the reply then says since when): a
/// restart is itself the event an operator looks at these for, and persisting them would add
/// a write to every failed poll while the proxy is down.
public final class ActivityCounters: Sendable {
    public struct Snapshot: Sendable, Hashable {
        public var startedAt: Date
        /// The UTC day the counts are for.
        public var day: DateInterval
        /// Proxy requests that failed (a command's request or a poll), that day.
        public var proxyErrors: Int
        /// Connections registered again after a drop, over all networks, that day.
        public var reconnects: Int

        public init(startedAt: Date, day: DateInterval, proxyErrors: Int = 0, reconnects: Int = 0) {
            self.startedAt = startedAt
            self.day = day
            self.proxyErrors = proxyErrors
            self.reconnects = reconnects
        }

        /// When the counts began: the start of the day, or the start of the process that day.
        public var countedSince: Date { max(day.start, startedAt) }
    }

    private let now: @Sendable () -> Date
    private let state: Mutex<Snapshot>

    public init(startedAt: Date, now: @escaping @Sendable () -> Date) {
        self.now = now
        state = Mutex(Snapshot(startedAt: startedAt, day: DailyStatistics.utcDay(containing: startedAt)))
    }

    public func recordProxyError() {
        update { $0.proxyErrors += 1 }
    }

    public func recordReconnect() {
        update { $0.reconnects += 1 }
    }

    /// Today's counts (zero when nothing happened yet today).
    public var snapshot: Snapshot {
        update { _ in }
    }

    @discardableResult
    private func update(_ body: (inout Snapshot) -> Void) -> Snapshot {
        let today = DailyStatistics.utcDay(containing: now())
        return state.withLock { counts in
            if counts.day != today { counts = Snapshot(startedAt: counts.startedAt, day: today) }
            body(&counts)
            return counts
        }
    }
}
