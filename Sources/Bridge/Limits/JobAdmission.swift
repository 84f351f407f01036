import Foundation
import Store

/// Why a job was not admitted. Each names the limit and when it lifts; none names another user.
public enum LimitRefusal: Sendable, Hashable {
    case daily(limit: Int, resetsAt: Date)
    case pendingPerUser(limit: Int)
    case pendingPerChannel(limit: Int)
    case pendingTotal(limit: Int)
    case cooldown(seconds: Int, remaining: TimeInterval)

    /// One sentence for the user, e.g. `daily limit of 25 reached; resets at 00:00 UTC (in 3 h 12 min).`
    public func sentence(now: Date) -> String {
        switch self {
        case .daily(let limit, let resetsAt):
            "daily limit of \(limit) \(limit == 1 ? "job" : "jobs") reached; resets at 00:00 UTC (in \(WaitText.duration(resetsAt.timeIntervalSince(now))))."
        case .pendingPerUser(let limit):
            "you have \(limit) \(limit == 1 ? "job" : "jobs") running; wait for one to finish."
        case .pendingPerChannel(let limit):
            "this channel has \(limit) \(limit == 1 ? "job" : "jobs") running; wait for one to finish."
        case .pendingTotal(let limit):
            "I have \(limit) \(limit == 1 ? "job" : "jobs") running, my maximum; try again when one finishes."
        case .cooldown(let seconds, let remaining):
            "one job per \(seconds) s: wait \(WaitText.duration(remaining)) before the next."
        }
    }
}

/// The decision for one job submission over the stored counters. Pure: the store runs it
/// inside the transaction that reserves the job, so two submissions cannot both pass a cap.
public struct JobAdmission: Sendable {
    public var settings: LimitSettings
    /// Admins when `adminsExempt`: counted, never refused.
    public var exempt: Bool

    public init(settings: LimitSettings, exempt: Bool) {
        self.settings = settings
        self.exempt = exempt
    }

    /// The daily limit in force for these counters: today's override, else the user's default,
    /// else the default set from chat, else the configuration. `0` = unlimited.
    public func dailyLimit(_ counters: JobCounters) -> Int {
        counters.todayLimit ?? counters.userDefaultLimit ?? counters.globalDefaultLimit ?? settings.dailyJobs
    }

    /// Nil = admitted.
    public func refusal(_ counters: JobCounters, now: Date) -> LimitRefusal? {
        guard !exempt else { return nil }
        let daily = dailyLimit(counters)
        if daily > 0, counters.usedToday >= daily {
            return .daily(limit: daily, resetsAt: UTCDay(containing: now).end)
        }
        if settings.pendingPerUser > 0, counters.pendingUser >= settings.pendingPerUser {
            return .pendingPerUser(limit: settings.pendingPerUser)
        }
        if settings.pendingPerChannel > 0, let channel = counters.pendingChannel, channel >= settings.pendingPerChannel {
            return .pendingPerChannel(limit: settings.pendingPerChannel)
        }
        if settings.pendingTotal > 0, counters.pendingTotal >= settings.pendingTotal {
            return .pendingTotal(limit: settings.pendingTotal)
        }
        if settings.cooldownSeconds > 0, let last = counters.lastSubmissionAt {
            let remaining = last.addingTimeInterval(TimeInterval(settings.cooldownSeconds)).timeIntervalSince(now)
            if remaining > 0 { return .cooldown(seconds: settings.cooldownSeconds, remaining: remaining) }
        }
        return nil
    }
}
