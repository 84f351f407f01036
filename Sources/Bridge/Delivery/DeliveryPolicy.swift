import Foundation

/// When the delivery workers try again and when they give up on a line.
public struct DeliveryPolicy: Sendable, Hashable {
    /// A line held (refused, or its channel not joined) longer than this is dead-lettered
    /// (`bot.outbox_hold_hours`, 24 h by default).
    public var holdTime: TimeInterval
    /// A line refused more often than this is dead-lettered, whatever its hold time.
    public var maxRefusals: Int
    /// After an interrupted delivery (not connected, the connection ended) the network's
    /// worker tries again after this, unless a registration or join wakes it sooner.
    public var interruptedRetry: Duration
    /// A channel that refused a line (+m, banned, +n) is tried again after this even when no
    /// voice, unban or join is seen (a mode change the bot did not hear about).
    public var cannotSendRetry: TimeInterval
    /// Other refusals (no such nick, anything else) back off from this, doubling per refusal…
    public var refusalBackoff: TimeInterval
    /// …up to this.
    public var maxRefusalBackoff: TimeInterval
    /// A worker with held lines wakes at least this often, so the hold time is enforced
    /// even when nothing else happens on the network.
    public var heldRecheck: TimeInterval
    /// A backstop around one `deliver`: the transport bounds its own wait; past this the
    /// attempt counts as interrupted and the line stays owed.
    public var sendTimeout: Duration
    /// After `sendTimeout` the attempt is withdrawn (its queued pieces taken back) and its
    /// report waited for this long more: the IRC client answers once the piece it already
    /// wrote is answered, within its confirm timeout (30 s).
    public var withdrawTimeout: Duration
    /// Owed lines passed over by a claim because another transaction had their rows locked, or
    /// changed them while the claim ran (several processes on PostgreSQL), are claimed again
    /// after this: such a lock lasts a statement or two, and nothing may wake the worker when
    /// it ends (a line changed meanwhile may just be done: the next claim tells).
    public var lockedRetry: Duration = .seconds(1)
    /// The retry after a line passed over in several claims in a row doubles from
    /// `lockedRetry` up to this (a row locked that long is a transaction left open).
    public var maxLockedRetry: Duration = .seconds(30)
    /// A line passed over in this many claims in a row is logged (once).
    public var lockedNoticeAfter = 5

    public init(holdTime: TimeInterval = 24 * 3600, maxRefusals: Int = 100, interruptedRetry: Duration = .seconds(5),
                cannotSendRetry: TimeInterval = 1800, refusalBackoff: TimeInterval = 60, maxRefusalBackoff: TimeInterval = 3600,
                heldRecheck: TimeInterval = 1800, sendTimeout: Duration = .seconds(300),
                withdrawTimeout: Duration = .seconds(90)) {
        self.withdrawTimeout = withdrawTimeout
        self.holdTime = holdTime
        self.maxRefusals = maxRefusals
        self.interruptedRetry = interruptedRetry
        self.cannotSendRetry = cannotSendRetry
        self.refusalBackoff = refusalBackoff
        self.maxRefusalBackoff = maxRefusalBackoff
        self.heldRecheck = heldRecheck
        self.sendTimeout = sendTimeout
    }

    /// `holdTime` from `bot.outbox_hold_hours`.
    public init(holdHours: Double) {
        self.init(holdTime: holdHours * 3600)
    }
}
