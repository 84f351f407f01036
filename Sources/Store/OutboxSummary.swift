import Foundation

/// Held and dead-lettered lines for `!pending`: counts and the oldest few of each.
public struct OutboxSummary: Sendable, Hashable {
    /// Owed lines not held: they go out as soon as the connection allows.
    public var owed: Int
    public var held: Int
    public var deadLettered: Int
    /// The longest-held lines, oldest hold first.
    public var oldestHeld: [OutboxLine]
    /// The earliest dead letters still kept, oldest first.
    public var oldestDeadLettered: [OutboxLine]

    public init(owed: Int, held: Int, deadLettered: Int, oldestHeld: [OutboxLine], oldestDeadLettered: [OutboxLine]) {
        self.owed = owed
        self.held = held
        self.deadLettered = deadLettered
        self.oldestHeld = oldestHeld
        self.oldestDeadLettered = oldestDeadLettered
    }
}
