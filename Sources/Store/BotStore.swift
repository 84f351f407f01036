import Foundation

/// The bot's memory as the bridge sees it: tasks with their routes, the outbox of lines owed to
/// people, limits, admins, audit and settings. `SQLiteStore` is the one implementation today;
/// a shared database (several bot processes, each network held by one of them) implements the
/// same requirements without the bridge changing.
///
/// Every method is one transaction. The closures of `update…`, `reserveJob` and
/// `updateChannelSetting` run inside it, synchronously, and may run again if the
/// implementation retries a serialization failure: they must be pure.
///
/// Commit outcome unknown: a store on a network database can lose its connection while a
/// write's COMMIT is in flight. The write may then have been saved or not, and the store cannot
/// tell; it does not retry it, and throws an error that says so (`PostgresStore` throws
/// `PostgresStoreError.commitOutcomeUnknown`). A caller must not simply redo a write that is not
/// idempotent (`insert`, `enqueue`, `appendAudit`, `recordIntent`, `reserveJob`, …) after any
/// error: it reads back whether the write happened (the task by id, its lines by
/// `lines(forTask:)`) and redoes only what is missing, or leaves it to a path that does (an
/// open intent is reconciled, a reservation lapses). Conditional writes (`update…` closures
/// that change state once, `markSent`, `declareIntentLost`, the claims) are safe to redo: a
/// second run finds the change made and does nothing. SQLite commits locally and has no such
/// case.
///
/// Dates are kept to the millisecond on both stores, so they compare and order alike (tasks
/// created in the same millisecond are ordered by id): SQLite stores them as text with
/// milliseconds (rounded); `PostgresStore` rounds every date it writes, in its columns and in
/// its JSON records, to the nearest millisecond (from the microsecond, so a date read back and
/// written again is unchanged). A record read back equals the one written to the millisecond.
public protocol BotStore: Sendable {
    // MARK: Tasks

    /// Inserts a task the proxy accepted, with the lines owed for it, in one transaction.
    func insert(_ task: TaskRecord, lines: [OutboxLine]) async throws
    func insertAll(_ tasks: [TaskRecord]) async throws
    func task(id: String) async throws -> TaskRecord?
    func tasks(ids: [String]) async throws -> [String: TaskRecord]
    func pendingTasks() async throws -> [TaskRecord]
    func recentTasks(scopeKey: String, limit: Int) async throws -> [TaskRecord]
    func tasks(of caller: TaskRoute, limit: Int) async throws -> [TaskRecord]
    func mostRecentTask(of caller: TaskRoute, searchLimit: Int,
                        where predicate: @escaping @Sendable (TaskRecord) -> Bool) async throws -> TaskRecord?
    func tasks(createdOrFinishedFrom start: Date, to end: Date) async throws -> [TaskRecord]
    func update<T: Sendable>(
        taskId: String,
        _ body: @escaping @Sendable (inout TaskRecord, inout [OutboxLine]) -> T
    ) async throws -> T?
    func updateTask<T: Sendable>(
        id taskId: String,
        _ body: @escaping @Sendable (inout TaskRecord, inout [OutboxLine], _ reference: () -> String) -> T
    ) async throws -> T?
    func updateTasks<T: Sendable>(
        ids: [String],
        _ body: @escaping @Sendable (Int, inout TaskRecord, inout [OutboxLine], _ reference: () -> String) -> T
    ) async throws -> [T?]
    func shortReference(for task: TaskRecord) async throws -> String
    func resolveReference(_ reference: String, scopeKey: String, network: String) async throws -> TaskReferenceResolution
    /// Tasks of any conversation on `network` whose id ends with `suffix`, newest first, among
    /// the newest `window` tasks of all networks (see `SQLiteStore.tasks(endingWith:…)`).
    func tasks(endingWith suffix: String, network: String, window: Int, limit: Int) async throws -> [TaskRecord]
    @discardableResult
    func pruneFinishedTasks(before date: Date) async throws -> Int

    // MARK: Intents (a submission recorded before the proxy is called)

    func recordIntent(_ intent: IntentRecord) async throws
    func intent(id: String) async throws -> IntentRecord?
    /// Inserts an accepted task with its lines and closes the intent it was submitted for, in
    /// one transaction.
    func insert(_ task: TaskRecord, lines: [OutboxLine], acceptingIntent intentId: String?, at date: Date) async throws
    func acceptIntent(id: String, taskId: String, at date: Date) async throws
    @discardableResult
    func refuseIntent(id: String, at date: Date) async throws -> Bool
    func openIntents(createdUpTo date: Date) async throws -> [IntentRecord]
    @discardableResult
    func declareIntentLost(id: String, at date: Date, lines: [OutboxLine]) async throws -> Bool
    @discardableResult
    func pruneClosedIntents(before date: Date) async throws -> Int

    // MARK: Outbox

    func enqueue(_ lines: [OutboxLine]) async throws
    func unsentLines() async throws -> [OutboxLine]
    @discardableResult
    func markSent(lineId: Int64, at date: Date) async throws -> Bool
    /// Marks several lines sent in one transaction (one sync to disk instead of one per line);
    /// returns the ids it marked (a line already sent is left as it was and not returned).
    /// A store without its own version gets the one-by-one default below.
    @discardableResult
    func markSent(lineIds: [Int64], at date: Date) async throws -> [Int64]
    func lines(forTask taskId: String) async throws -> [OutboxLine]
    func pruneSentLines(before date: Date) async throws
    func gauges() async throws -> StoreGauges
    /// Networks with lines owed (not sent, not dead-lettered), for the delivery workers' start.
    func networksOwingLines() async throws -> [String]
    /// A network's owed lines in order.
    func owedLines(network: String) async throws -> [OutboxLine]
    /// Claims `network`'s owed lines for `claimant` and returns them in order: the delivery
    /// worker's read when several processes share a database. PostgreSQL claims them row by
    /// row (`FOR NO KEY UPDATE SKIP LOCKED`) only while the database says the claimant's session holds
    /// the network's advisory lock, and takes over at once the lines of a claimant that no
    /// longer does. SQLite (one process per file, by its lock file) answers `owedLines`.
    func claimOwedLines(network: String, claimant: OutboxClaimant) async throws -> OutboxClaim
    func isOwed(lineId: Int64) async throws -> Bool
    /// The server confirmed the text up to `offset` (UTF-8): a resend starts there.
    func recordConfirmedOffset(lineId: Int64, offset: Int) async throws
    /// Counts a refusal; returns the line's refusals so far.
    @discardableResult
    func recordRefusal(lineId: Int64, offset: Int, reason: String, at date: Date) async throws -> Int
    func hold(lineIds: [Int64], reason: String, at date: Date) async throws
    @discardableResult
    func deadLetter(lineId: Int64, offset: Int, reason: String, at date: Date) async throws -> Bool
    func outboxSummary(limit: Int) async throws -> OutboxSummary
    func pruneDeadLetters(before date: Date) async throws

    // MARK: Channels and settings

    func channelSettings() async throws -> [ChannelSetting]
    @discardableResult
    func updateChannelSetting(network: String, channel: String, at date: Date,
                              _ body: @escaping @Sendable (inout ChannelSetting) -> Void) async throws -> ChannelSetting
    func metaValue(forKey key: String) async throws -> String?
    func setMetaValue(_ value: String, forKey key: String) async throws
    func metaValue(forKey key: String, orInsert make: @escaping @Sendable () -> String) async throws -> String

    // MARK: Limits

    func reserveJob<Refusal: Sendable & Hashable>(
        _ requester: JobRequester, at now: Date,
        decide: @escaping @Sendable (JobCounters) -> Refusal?
    ) async throws -> ReservationOutcome<Refusal>
    func jobCounters(_ requester: JobRequester, at now: Date) async throws -> JobCounters
    func completeReservation(_ reservation: JobReservation) async throws
    func releaseReservation(_ reservation: JobReservation) async throws
    func quotaUsage(identity: String, day: String) async throws -> QuotaUsage
    func identity(lastUsingNick nick: String) async throws -> String?
    func knowsIdentity(_ identity: String) async throws -> Bool
    func setQuotaOverride(identity: String, day: String?, limit: Int?, at now: Date) async throws
    func clearQuotaOverrides(identity: String) async throws
    func pruneLimitCounts(before day: String) async throws

    // MARK: Admins, ignores, pauses, audit

    func adminAccounts() async throws -> [AdminAccount]
    @discardableResult
    func addAdmin(_ admin: AdminAccount) async throws -> Bool
    @discardableResult
    func removeAdmin(account: String) async throws -> Bool
    func ignoreEntries() async throws -> [IgnoreEntry]
    @discardableResult
    func addIgnore(_ entry: IgnoreEntry) async throws -> Bool
    @discardableResult
    func removeIgnore(key: String) async throws -> Bool
    func pauseSettings() async throws -> [PauseSetting]
    func setPause(_ pause: PauseSetting) async throws
    @discardableResult
    func removePause(network: String, channel: String?) async throws -> Bool
    @discardableResult
    func removeAllPauses() async throws -> Int
    @discardableResult
    func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry
    @discardableResult
    func pruneAudit(before date: Date) async throws -> Int
    func recentAudit(limit: Int) async throws -> [AuditEntry]

    // MARK: Hosted images (the catalog; the bytes are in a blob store) and owed mirrors

    func recordHostedImages(_ images: [HostedImageRecord], settlingOwedMirrorOf taskId: String) async throws
    func hostedImages(forTask taskId: String) async throws -> [HostedImageRecord]
    func hostedImage(named name: String) async throws -> HostedImageRecord?
    func liveHostedImages() async throws -> [HostedImageRecord]
    @discardableResult
    func removeHostedImages(names: [String], reason: String, at date: Date) async throws -> Int
    func markHostedImagesServed(_ lastServed: [String: Date]) async throws
    func recordOwedMirror(_ owed: OwedMirrorRecord) async throws
    func owedMirror(taskId: String) async throws -> OwedMirrorRecord?
    func owedMirrors(dueBy date: Date) async throws -> [OwedMirrorRecord]
    func removeOwedMirror(taskId: String) async throws

    // MARK: STS policies (IRCv3 strict transport security, per host)

    func stsPolicy(host: String) async throws -> STSPolicyRecord?
    func stsPolicies() async throws -> [STSPolicyRecord]
    /// Stores or replaces the policy for its host.
    func saveSTSPolicy(_ policy: STSPolicyRecord) async throws
    @discardableResult
    func removeSTSPolicy(host: String) async throws -> Bool

    // MARK: Matrix accounts

    /// The stored login and /sync position of a `[[matrix]]` account, nil before its first start.
    func matrixSession(account: String) async throws -> MatrixSession?
    /// Keeps the login made with a password (the since token is left as it is).
    func saveMatrixLogin(account: String, userID: String, deviceID: String, accessToken: String) async throws
    /// Stores the /sync position once every command of the batch it ends was handled.
    func commitMatrixSince(account: String, since: String) async throws
    /// Marks a command event as taken on; false when it already was (a batch re-read after a
    /// crash), and then it is not run again.
    func claimMatrixEvent(_ eventID: String, account: String, at date: Date) async throws -> Bool
    /// Drops the marks older than `date` (a re-read batch is never that old).
    @discardableResult
    func pruneMatrixEvents(before date: Date) async throws -> Int
    /// Marks that an encrypted room was told the bot cannot read it; false when it already was
    /// (then nothing is said again).
    func claimMatrixEncryptionNotice(account: String, roomID: String, at date: Date) async throws -> Bool
}

/// Conventions every store shares (they are part of the data, not of one implementation).
public enum StoreConventions {
    /// How many of a conversation's newest tasks short references are unique among.
    public static let recentWindow = 200
    /// The quota identity that stands for everyone (a default override).
    public static let everyoneQuotaKey = "*"
    /// A job reservation not completed or released within this many seconds lapses (the
    /// process died between reserving and submitting).
    public static let reservationLifetime: TimeInterval = 600
}

extension BotStore {
    @discardableResult
    public func markSent(lineIds: [Int64], at date: Date) async throws -> [Int64] {
        var marked: [Int64] = []
        for id in lineIds where try await markSent(lineId: id, at: date) { marked.append(id) }
        return marked
    }

    /// Held and dead-lettered lines, with the oldest three of each.
    public func outboxSummary() async throws -> OutboxSummary {
        try await outboxSummary(limit: 3)
    }

    /// Inserts a task with no owed lines.
    public func insert(_ task: TaskRecord) async throws {
        try await insert(task, lines: [])
    }

    /// The newest `StoreConventions.recentWindow` tasks of a conversation.
    public func recentTasks(scopeKey: String) async throws -> [TaskRecord] {
        try await recentTasks(scopeKey: scopeKey, limit: StoreConventions.recentWindow)
    }

    /// The caller's newest task (among their last 50) that satisfies `predicate`.
    public func mostRecentTask(of caller: TaskRoute,
                               where predicate: @escaping @Sendable (TaskRecord) -> Bool) async throws -> TaskRecord? {
        try await mostRecentTask(of: caller, searchLimit: 50, where: predicate)
    }
}

extension SQLiteStore: BotStore {
}
