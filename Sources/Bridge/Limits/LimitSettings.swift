import Foundation

/// The `[limits]` table: what one user, one channel and the whole bot may have the proxy do.
/// `0` turns a limit off (unlimited). Built by the App from `bot.conf`.
public struct LimitSettings: Sendable, Hashable {
    /// Jobs per user per UTC day.
    public var dailyJobs: Int
    /// Jobs of one user not finished yet.
    public var pendingPerUser: Int
    /// Jobs asked for in one channel not finished yet (private conversations have no cap of their own).
    public var pendingPerChannel: Int
    /// Jobs not finished yet, all users together.
    public var pendingTotal: Int
    /// Seconds between two submissions of one user.
    public var cooldownSeconds: Int
    /// More commands than this in 30 s and the sender is ignored for `rateLimitPenalty`.
    public var commandsPer30s: Int
    /// Admins (owners, in this tree) are not held by these limits; their jobs are still counted.
    public var adminsExempt: Bool
    /// Words and phrases a prompt may not contain (config list and file together).
    public var bannedWords: [String]

    /// The window `commandsPer30s` counts in.
    public static let rateWindow: TimeInterval = 30
    /// How long a flooding sender is ignored.
    public static let rateLimitPenalty: TimeInterval = 60

    public init(dailyJobs: Int = 25, pendingPerUser: Int = 2, pendingPerChannel: Int = 10, pendingTotal: Int = 50,
                cooldownSeconds: Int = 10, commandsPer30s: Int = 6, adminsExempt: Bool = true, bannedWords: [String] = []) {
        self.dailyJobs = dailyJobs
        self.pendingPerUser = pendingPerUser
        self.pendingPerChannel = pendingPerChannel
        self.pendingTotal = pendingTotal
        self.cooldownSeconds = cooldownSeconds
        self.commandsPer30s = commandsPer30s
        self.adminsExempt = adminsExempt
        self.bannedWords = bannedWords
    }

    /// Everything off: what tests of other features and the demo use.
    public static let unlimited = LimitSettings(dailyJobs: 0, pendingPerUser: 0, pendingPerChannel: 0, pendingTotal: 0,
                                                cooldownSeconds: 0, commandsPer30s: 0)
}
