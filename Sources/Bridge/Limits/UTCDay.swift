import Foundation

/// Daily quotas count per UTC day: the same day everywhere, no daylight-saving jumps.
public struct UTCDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `2026-11-30`: sorts like the days, readable in the database.
    public let key: String
    /// 00:00 UTC of the day.
    public let start: Date

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    public init(containing date: Date) {
        start = Self.calendar.startOfDay(for: date)
        let c = Self.calendar.dateComponents([.year, .month, .day], from: date)
        func padded(_ n: Int?, _ width: Int) -> String {
            let digits = String(n ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        key = "\(padded(c.year, 4))-\(padded(c.month, 2))-\(padded(c.day, 2))"
    }

    /// 00:00 UTC of the next day: when today's counts reset.
    public var end: Date { Self.calendar.date(byAdding: .day, value: 1, to: start)! }

    public var description: String { key }

    public static func < (a: UTCDay, b: UTCDay) -> Bool { a.start < b.start }
}

/// How long until something, as people read it: `40 s`, `12 min`, `3 h 12 min`. Rounded up:
/// "in 12 min" must not arrive before the limit has really reset.
public enum WaitText {
    public static func duration(_ seconds: TimeInterval) -> String {
        let whole = max(0, Int(seconds.rounded(.up)))
        if whole < 60 { return "\(whole) s" }
        let minutes = (whole + 59) / 60
        if minutes < 60 { return "\(minutes) min" }
        return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min"
    }
}
