import Foundation
import Store

/// Placeholders for the core BotStore methods (tasks, intents, outbox, settings) until they are
/// written; pg-core deletes each as it implements it, and this file when it is empty.
extension PostgresStore {
    public func insert(_ task: TaskRecord, lines: [OutboxLine]) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func insertAll(_ tasks: [TaskRecord]) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func task(id: String) async throws -> TaskRecord? {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func tasks(ids: [String]) async throws -> [String: TaskRecord] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func pendingTasks() async throws -> [TaskRecord] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func recentTasks(scopeKey: String, limit: Int) async throws -> [TaskRecord] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func tasks(of caller: TaskRoute, limit: Int) async throws -> [TaskRecord] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func mostRecentTask(of caller: TaskRoute, searchLimit: Int, where predicate: @escaping @Sendable (TaskRecord) -> Bool) async throws -> TaskRecord? {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func tasks(createdOrFinishedFrom start: Date, to end: Date) async throws -> [TaskRecord] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func update<T: Sendable>( taskId: String, _ body: @escaping @Sendable (inout TaskRecord, inout [OutboxLine]) -> T ) async throws -> T? {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func updateTask<T: Sendable>( id taskId: String, _ body: @escaping @Sendable (inout TaskRecord, inout [OutboxLine], _ reference: () -> String) -> T ) async throws -> T? {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func updateTasks<T: Sendable>( ids: [String], _ body: @escaping @Sendable (Int, inout TaskRecord, inout [OutboxLine], _ reference: () -> String) -> T ) async throws -> [T?] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func shortReference(for task: TaskRecord) async throws -> String {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func resolveReference(_ reference: String, scopeKey: String, network: String) async throws -> TaskReferenceResolution {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func tasks(endingWith suffix: String, network: String, window: Int, limit: Int) async throws -> [TaskRecord] {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func pruneFinishedTasks(before date: Date) async throws -> Int {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func recordIntent(_ intent: IntentRecord) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func intent(id: String) async throws -> IntentRecord? {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func insert(_ task: TaskRecord, lines: [OutboxLine], acceptingIntent intentId: String?, at date: Date) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func acceptIntent(id: String, taskId: String, at date: Date) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func refuseIntent(id: String, at date: Date) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func openIntents(createdUpTo date: Date) async throws -> [IntentRecord] {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func declareIntentLost(id: String, at date: Date, lines: [OutboxLine]) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func pruneClosedIntents(before date: Date) async throws -> Int {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func enqueue(_ lines: [OutboxLine]) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func unsentLines() async throws -> [OutboxLine] {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func markSent(lineId: Int64, at date: Date) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func lines(forTask taskId: String) async throws -> [OutboxLine] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func pruneSentLines(before date: Date) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func gauges() async throws -> StoreGauges {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func networksOwingLines() async throws -> [String] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func owedLines(network: String) async throws -> [OutboxLine] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func isOwed(lineId: Int64) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func recordConfirmedOffset(lineId: Int64, offset: Int) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func recordRefusal(lineId: Int64, offset: Int, reason: String, at date: Date) async throws -> Int {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func hold(lineIds: [Int64], reason: String, at date: Date) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func deadLetter(lineId: Int64, offset: Int, reason: String, at date: Date) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func outboxSummary(limit: Int) async throws -> OutboxSummary {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func pruneDeadLetters(before date: Date) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func channelSettings() async throws -> [ChannelSetting] {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func updateChannelSetting(network: String, channel: String, at date: Date, _ body: @escaping @Sendable (inout ChannelSetting) -> Void) async throws -> ChannelSetting {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func metaValue(forKey key: String) async throws -> String? {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func setMetaValue(_ value: String, forKey key: String) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func metaValue(forKey key: String, orInsert make: @escaping @Sendable () -> String) async throws -> String {
        throw PostgresStoreError.notImplemented(#function)
    }
}
