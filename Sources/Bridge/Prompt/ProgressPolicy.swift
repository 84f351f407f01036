import Foundation

/// How much a channel hears about a task between acknowledgement and result.
public enum ProgressPolicy: String, Sendable, Hashable, CaseIterable {
    /// Nothing.
    case off
    /// One line when the proxy starts working on it.
    case started
    /// A line at 25 %, 50 % and 75 %.
    case quarter

    /// Accepts the config spellings (`off`, `started`, `quarter`, `every25`).
    public init?(configValue: String) {
        switch configValue.lowercased() {
        case "off", "none": self = .off
        case "started", "start": self = .started
        case "quarter", "every25", "25": self = .quarter
        default: return nil
        }
    }
}

/// Decides whether a progress change deserves a line. Pure; the last notification is kept
/// in the store so the throttle holds across restarts.
public struct ProgressThrottle: Sendable, Hashable {
    public var policy: ProgressPolicy
    /// At most one progress line per task per this interval.
    public var minimumInterval: TimeInterval

    public init(policy: ProgressPolicy, minimumInterval: TimeInterval = 20) {
        self.policy = policy
        self.minimumInterval = minimumInterval
    }

    /// The level to announce (0 for "started", else 25/50/75), or nil for silence.
    /// `progress` is the new percentage when the task is running, nil when it is not.
    public func levelToAnnounce(progress: Int?, lastLevel: Int?, lastAt: Date?, now: Date) -> Int? {
        guard let progress else { return nil }
        if let lastAt, now.timeIntervalSince(lastAt) < minimumInterval { return nil }
        switch policy {
        case .off:
            return nil
        case .started:
            return lastLevel == nil ? 0 : nil
        case .quarter:
            let level = min(progress / 25 * 25, 75)
            guard level >= 25, level > (lastLevel ?? 0) else { return nil }
            return level
        }
    }
}
