import Foundation

/// Where one Matrix account's sync loop stands, for `/health` and `/metrics`. A value the
/// account updates at each step of its loop; the readers take a copy.
public struct MatrixAccountStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Logging in, the first sync, joining the configured rooms.
        case starting
        /// The sync loop runs (logged in, rooms joined) and its last request was answered:
        /// commands are heard. After a restart this holds from the login on, before the first
        /// long poll returns (`lastSyncAt` stays nil until it does).
        case syncing
        /// A request of the loop failed (network, 5xx, `M_LIMIT_EXCEEDED`): it is tried again
        /// after a pause. `error` is the last failure (no token in it), `since` the first one.
        case backingOff(error: String, since: Date)
        /// Given up for good until a restart (token rejected, forbidden, the wrong user): `reason` says why.
        case stopped(reason: String)
        /// Never stored: what `syncing` reads as once no batch was completed (nor the start
        /// finished) since `since` for longer than the account's bound (`asOf`): a loop stuck
        /// inside a request or a batch hears no commands, whatever its last word was.
        case stalled(since: Date)
    }

    public var state: State = .starting
    /// When a `/sync` batch was last completed: answered, handled and its position stored
    /// (nil: never, in this process). A batch read again because the store failed does not count.
    public var lastSyncAt: Date?
    /// When the loop last moved on: a batch completed, or the start finished (`hearing`).
    public private(set) var lastAdvancedAt: Date?

    public init(state: State = .starting, lastSyncAt: Date? = nil) {
        self.state = state
        self.lastSyncAt = lastSyncAt
    }

    /// `starting`, `syncing`, `stalled`, `backing_off` or `stopped`: the word `/health` shows.
    public var label: String {
        switch state {
        case .starting: "starting"
        case .syncing: "syncing"
        case .stalled: "stalled"
        case .backingOff: "backing_off"
        case .stopped: "stopped"
        }
    }

    /// This status as seen at `now`: `syncing` becomes `stalled` when the loop has not moved on
    /// for longer than `bound` (pure; the account picks the bound from its long-poll timeout).
    public func asOf(_ now: Date, stalledAfter bound: TimeInterval) -> MatrixAccountStatus {
        guard state == .syncing, let last = lastAdvancedAt, now.timeIntervalSince(last) > bound else { return self }
        var seen = self
        seen.state = .stalled(since: last)
        return seen
    }

    /// Commands are being heard right now (`mjbridge_matrix_connected` 1).
    public var isSyncing: Bool { state == .syncing }

    public var stopReason: String? {
        if case .stopped(let reason) = state { return reason }
        return nil
    }

    // MARK: Transitions (a stopped account stays stopped)

    /// A `/sync` batch was completed (its position stored); `live` once the loop hears commands
    /// (false for the very first, history-skipping sync at start).
    mutating func synced(at now: Date, live: Bool) {
        guard stopReason == nil else { return }
        lastSyncAt = now
        lastAdvancedAt = now
        state = live ? .syncing : .starting
    }

    /// The start is done (rooms joined) and the last sync was answered: commands are heard from now on.
    mutating func hearing(at now: Date) {
        guard state == .starting else { return }
        lastAdvancedAt = now
        state = .syncing
    }

    /// A request of the loop failed and will be tried again; the first failure's time is kept.
    mutating func failed(_ error: String, at now: Date) {
        switch state {
        case .stopped: return
        case .backingOff(_, let since): state = .backingOff(error: error, since: since)
        case .starting, .syncing, .stalled: state = .backingOff(error: error, since: now)
        }
    }

    /// A request of the loop that had failed got through (not a sync: whoami, login).
    mutating func recovered(live: Bool) {
        guard case .backingOff = state else { return }
        state = live ? .syncing : .starting
    }

    mutating func stopped(_ reason: String) {
        guard stopReason == nil else { return }
        state = .stopped(reason: reason)
    }
}
