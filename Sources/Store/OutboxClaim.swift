import Foundation

/// Who claims a network's outbox lines when several processes share a PostgreSQL database: the
/// database session through which one process holds the network (its ownership lock session),
/// named by the server process behind it and the advisory lock key of the network. The
/// database checks the claim against its own lock table, not the process's belief: a session
/// that no longer holds `lockKey` (ended, timed out, released) claims nothing.
public struct OutboxClaimant: Sendable, Hashable {
    /// `pg_backend_pid()` of the lock session.
    public var backendPID: Int32
    /// The network's advisory lock key (`PostgresOwnershipSession.lockKey`).
    public var lockKey: Int64
    /// When that backend started (`pg_stat_activity.backend_start`, microseconds since 1970):
    /// with the pid it names the session for good, so a pid the kernel recycled for a new
    /// session of another process is not taken for the claimant's. Nil: the pid alone.
    public var backendStartMicros: Int64?

    public init(backendPID: Int32, lockKey: Int64, backendStartMicros: Int64? = nil) {
        self.backendPID = backendPID
        self.lockKey = lockKey
        self.backendStartMicros = backendStartMicros
    }
}

/// The answer to `BotStore.claimOwedLines(network:claimant:)`.
public struct OutboxClaim: Sendable {
    /// Whether the claimant held the network when the claim ran; false: nothing was claimed
    /// (another process holds it now, or nobody does).
    public var isHeld: Bool
    /// The lines claimed, in the order they were queued (by id).
    public var lines: [OutboxLine]
    /// Lines owed but passed over because another transaction had their row locked at that
    /// moment (a line being superseded, marked or held), or changed them after the claim's
    /// snapshot was taken (then they may be done already: the next round tells): not claimed
    /// this time, to be claimed by a later round. A deliverer keeps their targets' later lines back meanwhile, so each
    /// target still hears its lines in order.
    public var skipped: [OutboxLine]

    public init(isHeld: Bool, lines: [OutboxLine], skipped: [OutboxLine] = []) {
        self.isHeld = isHeld
        self.lines = lines
        self.skipped = skipped
    }
}
