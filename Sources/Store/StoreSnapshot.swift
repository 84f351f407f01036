import Foundation

/// Every row of a bot's store at one moment, as plain values: what `mjbridge migrate-store`
/// reads from the SQLite file (`SQLiteStore.snapshot()`) and writes into PostgreSQL
/// (`PostgresStore.importSnapshot(_:)`). Ids are kept (outbox lines, audit rows, reservations),
/// and so are the tables that have no record type of their own (limits, Matrix claims).
public struct StoreSnapshot: Sendable, Hashable {
    public var tasks: [TaskRecord] = []
    /// All lines, sent and dead-lettered ones too, each with its id and delivery state.
    public var outbox: [OutboxLine] = []
    public var intents: [IntentRecord] = []
    public var channelSettings: [ChannelSetting] = []
    /// Includes the generated callback secret: callbacks carrying state signed before the move
    /// must still verify after it.
    public var meta: [MetaValue] = []
    public var limitUsage: [LimitUsage] = []
    public var limitUsers: [LimitUser] = []
    public var quotaOverrides: [QuotaOverride] = []
    public var jobReservations: [Reservation] = []
    public var admins: [AdminAccount] = []
    public var ignores: [IgnoreEntry] = []
    public var pauses: [PauseSetting] = []
    /// With their ids.
    public var audit: [AuditEntry] = []
    public var hostedImages: [HostedImageRecord] = []
    public var owedMirrors: [OwedMirrorRecord] = []
    public var stsPolicies: [STSPolicyRecord] = []
    public var matrixSessions: [MatrixSession] = []
    public var matrixEventClaims: [MatrixEventClaim] = []
    public var matrixEncryptionNotices: [MatrixEncryptionNotice] = []
    /// The highest id ever handed out per id sequence (SQLite's `sqlite_sequence`, which is
    /// above the largest id still present when the newest rows were pruned): the new store
    /// continues above it, so no id is ever handed out twice.
    public var idHighWater = IdHighWater()

    public init() {}

    public struct MetaValue: Sendable, Hashable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Jobs counted for one identity on one UTC day.
    public struct LimitUsage: Sendable, Hashable {
        public var identity: String
        public var day: String
        public var jobs: Int
        public init(identity: String, day: String, jobs: Int) {
            self.identity = identity
            self.day = day
            self.jobs = jobs
        }
    }

    /// The nick an identity last submitted under, and when (cooldowns, `!quota <nick>`).
    public struct LimitUser: Sendable, Hashable {
        public var identity: String
        public var lastNick: String?
        public var lastNickKey: String?
        public var lastSubmissionAt: Date?
        public init(identity: String, lastNick: String?, lastNickKey: String?, lastSubmissionAt: Date?) {
            self.identity = identity
            self.lastNick = lastNick
            self.lastNickKey = lastNickKey
            self.lastSubmissionAt = lastSubmissionAt
        }
    }

    /// A daily limit set from chat; `day` "" is the identity's default.
    public struct QuotaOverride: Sendable, Hashable {
        public var identity: String
        public var day: String
        public var dailyLimit: Int
        public var updatedAt: Date
        public init(identity: String, day: String, dailyLimit: Int, updatedAt: Date) {
            self.identity = identity
            self.day = day
            self.dailyLimit = dailyLimit
            self.updatedAt = updatedAt
        }
    }

    /// A job reserved on its way to the proxy (it lapses after `StoreConventions.reservationLifetime`).
    public struct Reservation: Sendable, Hashable {
        public var id: Int64
        public var identity: String
        public var scopeKey: String?
        public var day: String
        public var createdAt: Date
        public var previousSubmissionAt: Date?
        public init(id: Int64, identity: String, scopeKey: String?, day: String, createdAt: Date, previousSubmissionAt: Date?) {
            self.id = id
            self.identity = identity
            self.scopeKey = scopeKey
            self.day = day
            self.createdAt = createdAt
            self.previousSubmissionAt = previousSubmissionAt
        }
    }

    /// A Matrix command event already taken on.
    public struct MatrixEventClaim: Sendable, Hashable {
        public var eventID: String
        public var account: String
        public var at: Date
        public init(eventID: String, account: String, at: Date) {
            self.eventID = eventID
            self.account = account
            self.at = at
        }
    }

    /// An encrypted room the bot has said once that it cannot read.
    public struct MatrixEncryptionNotice: Sendable, Hashable {
        public var account: String
        public var roomID: String
        public var at: Date
        public init(account: String, roomID: String, at: Date) {
            self.account = account
            self.roomID = roomID
            self.at = at
        }
    }

    /// The highest ids handed out so far (0: none).
    public struct IdHighWater: Sendable, Hashable {
        public var outbox: Int64 = 0
        public var audit: Int64 = 0
        public var jobReservation: Int64 = 0
        public init(outbox: Int64 = 0, audit: Int64 = 0, jobReservation: Int64 = 0) {
            self.outbox = outbox
            self.audit = audit
            self.jobReservation = jobReservation
        }
    }
}
