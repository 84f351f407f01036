import Foundation

/// What the admission decision for one job reads, as stored at the moment of the decision.
public struct JobCounters: Sendable, Hashable {
    /// Jobs the identity submitted this UTC day (reservations included).
    public var usedToday: Int
    /// `!quota <user> <n>` for today only; `0` = unlimited.
    public var todayLimit: Int?
    /// `!quota <user> <n> always`; `0` = unlimited.
    public var userDefaultLimit: Int?
    /// `!quota default <n>`: everyone's limit, over the configured one; `0` = unlimited.
    public var globalDefaultLimit: Int?
    /// Unfinished tasks of the identity, plus its reservations.
    public var pendingUser: Int
    /// Unfinished tasks asked for in the channel, plus reservations there; nil in private.
    public var pendingChannel: Int?
    /// Unfinished tasks of everyone, plus all reservations.
    public var pendingTotal: Int
    public var lastSubmissionAt: Date?

    public init(usedToday: Int = 0, todayLimit: Int? = nil, userDefaultLimit: Int? = nil, globalDefaultLimit: Int? = nil,
                pendingUser: Int = 0, pendingChannel: Int? = nil, pendingTotal: Int = 0, lastSubmissionAt: Date? = nil) {
        self.usedToday = usedToday
        self.todayLimit = todayLimit
        self.userDefaultLimit = userDefaultLimit
        self.globalDefaultLimit = globalDefaultLimit
        self.pendingUser = pendingUser
        self.pendingChannel = pendingChannel
        self.pendingTotal = pendingTotal
        self.lastSubmissionAt = lastSubmissionAt
    }
}

/// A job admitted and counted but not yet known to the proxy. It holds a pending slot until
/// the tasks it started are stored (`completeReservation`) or the proxy refused it
/// (`releaseReservation`, which also gives the daily unit back).
public struct JobReservation: Sendable, Hashable {
    public var id: Int64
    public var identity: String
    /// `UTCDay.key` of the day it was counted on.
    public var day: String
    public var previousSubmissionAt: Date?

    public init(id: Int64, identity: String, day: String, previousSubmissionAt: Date?) {
        self.id = id
        self.identity = identity
        self.day = day
        self.previousSubmissionAt = previousSubmissionAt
    }
}

/// The answer of `SQLiteStore.reserveJob`.
public enum ReservationOutcome<Refusal: Sendable & Hashable>: Sendable, Hashable {
    case reserved(JobReservation)
    case refused(Refusal)
}

/// Who is asking, for `SQLiteStore.reserveJob`.
public struct JobRequester: Sendable, Hashable {
    public var identity: String
    public var nick: String
    /// `TaskRoute.scopeKey` of the channel, nil for a private conversation.
    public var channelScopeKey: String?
    /// `UTCDay.key` of now.
    public var day: String

    public init(identity: String, nick: String, channelScopeKey: String?, day: String) {
        self.identity = identity
        self.nick = nick
        self.channelScopeKey = channelScopeKey
        self.day = day
    }
}

/// One user's usage as `!quota` shows it.
public struct QuotaUsage: Sendable, Hashable {
    public var identity: String
    /// The nick last seen submitting under this identity.
    public var lastNick: String?
    public var usedToday: Int
    public var todayLimit: Int?
    public var userDefaultLimit: Int?
    public var globalDefaultLimit: Int?

    public init(identity: String, lastNick: String?, usedToday: Int, todayLimit: Int?, userDefaultLimit: Int?,
                globalDefaultLimit: Int?) {
        self.identity = identity
        self.lastNick = lastNick
        self.usedToday = usedToday
        self.todayLimit = todayLimit
        self.userDefaultLimit = userDefaultLimit
        self.globalDefaultLimit = globalDefaultLimit
    }
}
