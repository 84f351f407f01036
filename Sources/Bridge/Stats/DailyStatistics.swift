import Foundation
import Store

/// `!stats` for one UTC day, counted from the tasks table: submitted = accepted by the proxy
/// that day (button actions included, as they are jobs too); succeeded, failed (timeouts
/// included) and cancelled = ended that day, whenever submitted; the median time to result
/// is over that day's successes, from submission to the result.
public struct DailyStatistics: Sendable, Hashable {
    public var day: DateInterval
    public var submitted = 0
    public var succeeded = 0
    public var failed = 0
    /// Of `failed`, how many were our own deadline.
    public var timedOut = 0
    public var cancelled = 0
    public var medianSecondsToResult: TimeInterval?

    public init(day: DateInterval, tasks: [TaskRecord]) {
        self.day = day
        var durations: [TimeInterval] = []
        for task in tasks {
            if day.contains(task.createdAt), task.createdAt < day.end { submitted += 1 }
            guard let finished = task.finishedAt, day.contains(finished), finished < day.end,
                  let outcome = TaskOutcome(task) else { continue }
            switch outcome {
            case .succeeded:
                succeeded += 1
                durations.append(max(0, finished.timeIntervalSince(task.createdAt)))
            case .failed: failed += 1
            case .timedOut:
                failed += 1
                timedOut += 1
            case .cancelled: cancelled += 1
            }
        }
        medianSecondsToResult = Self.median(durations)
    }

    /// The UTC calendar day that contains `date`.
    public static func utcDay(containing date: Date) -> DateInterval {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.startOfDay(for: date)
        return DateInterval(start: start, duration: 86_400)
    }

    static func median(_ values: [TimeInterval]) -> TimeInterval? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
