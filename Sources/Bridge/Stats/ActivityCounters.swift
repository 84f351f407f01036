import Foundation
import Synchronization

/// What the tasks table cannot tell `!stats`: proxy requests that failed and IRC reconnects.
/// Kept in memory since the process started (the reply says "since start"): a restart is
/// itself the event an operator looks at these for, and persisting them would add a write
/// to every failed poll while the proxy is down.
public final class ActivityCounters: Sendable {
    public struct Snapshot: Sendable, Hashable {
        public var startedAt: Date
        /// Proxy requests that failed (a command's request or a poll), since start.
        public var proxyErrors: Int
        /// Connections registered again after a drop, over all networks, since start.
        public var reconnects: Int
    }

    private let state: Mutex<Snapshot>

    public init(startedAt: Date) {
        state = Mutex(Snapshot(startedAt: startedAt, proxyErrors: 0, reconnects: 0))
    }

    public func recordProxyError() {
        state.withLock { $0.proxyErrors += 1 }
    }

    public func recordReconnect() {
        state.withLock { $0.reconnects += 1 }
    }

    public var snapshot: Snapshot {
        state.withLock { $0 }
    }
}
