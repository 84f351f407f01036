import Foundation
import Synchronization

/// What the bridge tells the operator's metrics: commands and how they ended, jobs submitted
/// and how they finished with their submit→result time.
///
/// Closures rather than a swift-metrics `MetricsFactory`: the bridge stays free of any metrics
/// API (it only states facts), the App decides names, labels and histogram buckets (which
/// swift-metrics' API cannot carry), and every runtime or test passes its own, so nothing
/// global is shared between bots running in one process. Each closure must return at once.
public struct BridgeMetrics: Sendable {
    /// A command ran: its canonical name (from the registry, so the set is bounded) and outcome.
    public var command: @Sendable (_ name: String, _ outcome: CommandOutcome) -> Void
    /// The proxy accepted a job the bot now follows.
    public var jobSubmitted: @Sendable () -> Void
    /// A followed job finished, `seconds` after it was recorded.
    public var jobFinished: @Sendable (_ outcome: TaskOutcome, _ seconds: Double) -> Void
    /// A submission whose task id was never recorded was given up on, and its user told so.
    public var intentLost: @Sendable () -> Void

    public init(command: @escaping @Sendable (String, CommandOutcome) -> Void = { _, _ in },
                jobSubmitted: @escaping @Sendable () -> Void = {},
                jobFinished: @escaping @Sendable (TaskOutcome, Double) -> Void = { _, _ in },
                intentLost: @escaping @Sendable () -> Void = {}) {
        self.command = command
        self.jobSubmitted = jobSubmitted
        self.jobFinished = jobFinished
        self.intentLost = intentLost
    }

    /// Records nothing.
    public static let none = BridgeMetrics()
}

/// How one command ended, as a metric label.
public enum CommandOutcome: String, Sendable, Hashable, CaseIterable {
    /// Done as asked (an answer, a job submitted, a setting changed).
    case ok
    /// Not allowed: role, pause, a limit, a banned word, a channel rule.
    case refused
    /// The proxy or the store failed.
    case error
    /// The arguments did not fit; the usage line was sent.
    case usage
}

/// The outcome of the command running on this task: `CommandContext` marks it where it
/// answers with a usage line, a refusal or an error, and `ChatBridge.handle` reads it once the
/// command returns. A task-local cell, so the many reply paths need no extra return value.
final class CommandOutcomeCell: Sendable {
    @TaskLocal static var current: CommandOutcomeCell?

    private let state = Mutex(CommandOutcome.ok)

    var outcome: CommandOutcome { state.withLock { $0 } }

    /// The first mark other than `ok` stands (an error reply after a usage line is still usage).
    func mark(_ outcome: CommandOutcome) {
        state.withLock { if $0 == .ok { $0 = outcome } }
    }

    static func mark(_ outcome: CommandOutcome) {
        current?.mark(outcome)
    }
}
