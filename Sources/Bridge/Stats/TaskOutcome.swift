import Store

/// How a finished task ended, as the user was told.
public enum TaskOutcome: String, Sendable, Hashable {
    case succeeded
    case failed
    /// Cancelled at the proxy (also a FAILURE whose reason is the proxy's "取消任务").
    case cancelled
    /// Our own deadline passed without a result (counted with the failures).
    case timedOut

    /// Nil while the task is still pending.
    public init?(_ task: TaskRecord) {
        guard task.isTerminal else { return nil }
        if task.timedOut {
            self = .timedOut
            return
        }
        self = Self.of(status: task.status, failReason: task.failReason)
    }

    /// The outcome of a terminal proxy status.
    public static func of(status: String, failReason: String?) -> TaskOutcome {
        switch status.uppercased() {
        case "SUCCESS": .succeeded
        case "CANCEL", "CANCELLED": .cancelled
        default: failReason?.contains("取消任务") == true ? .cancelled : .failed
        }
    }
}
