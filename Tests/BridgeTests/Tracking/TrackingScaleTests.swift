import Foundation
import GRDB
import Logging
import Testing
@testable import Bridge
import Store

/// Counts `list-by-condition` requests and answers each id with the state the test set for it.
final class CountingTaskSource: TaskSource, @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [[String]] = []
    private let answer: @Sendable (String) -> TaskSnapshot
    init(answer: @escaping @Sendable (String) -> TaskSnapshot) { self.answer = answer }
    var requests: [[String]] { lock.withLock { batches } }
    func tasks(ids: [String]) async throws -> [TaskSnapshot] {
        lock.withLock { batches.append(ids) }
        return ids.map(answer)
    }
}

/// Collects the SQL the store runs (from any of its connections).
final class SQLLog: @unchecked Sendable {
    private let lock = NSLock()
    private var statements: [String] = []
    func append(_ sql: String) { lock.withLock { statements.append(sql) } }
    func take() -> [String] { lock.withLock { defer { statements = [] }; return statements } }
}

/// The data statements among `statements` whose plan reads a whole `task` or `outbox` table.
func scansOfHistory(_ statements: [String], databasePath: String) throws -> [String] {
    try DatabaseQueue(path: databasePath).read { db in
        try Set(statements).filter { sql in
            guard ["SELECT", "UPDATE", "DELETE"].contains(sql.prefix(6).uppercased()) else { return false }
            let parameters = sql.filter { $0 == "?" }.count
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql,
                                    arguments: StatementArguments([DatabaseValue?](repeating: nil, count: parameters)))
                .contains { row in
                    let detail: String = row["detail"]
                    return detail.hasPrefix("SCAN task") || detail.hasPrefix("SCAN outbox")
                }
        }.sorted()
    }
}

/// Issue 13: the cost of following tasks does not grow with how many there are or were.
@Suite struct TrackingScaleTests {
    static let pendingCount = 10_000
    static let batch = 100

    @Test func tenThousandPendingTasksCostOneRequestPerBatchAndConstantStoreWorkPerSnapshot() async throws {
        let dir = try TemporaryDirectory()
        let log = SQLLog()
        let store = try SQLiteStore.open(path: dir.databasePath, statementObserver: { log.append($0) })
        let clock = ManualClock()
        let now = clock.now
        let route = TaskRoute(network: "net", channel: "#art", nick: "alice")
        // Finished history in the same conversation, and the pending backlog.
        var tasks: [TaskRecord] = []
        for i in 0..<2_000 {
            var done = TaskRecord(id: String(1_700_000_000_000_000 + i), route: route, kind: "imagine", prompt: "old", status: "SUCCESS",
                                  statusRank: 9, isTerminal: true, createdAt: now.addingTimeInterval(-86400 + Double(i)),
                                  deadline: now)
            done.finishedAt = done.createdAt
            tasks.append(done)
        }
        let pendingIds = (0..<Self.pendingCount).map { String(1_748_000_000_000_000 + $0) }
        for (i, id) in pendingIds.enumerated() {
            tasks.append(TaskRecord(id: id, route: route, kind: "imagine", prompt: "fox \(i)", status: "SUBMITTED", statusRank: 1,
                                    createdAt: now.addingTimeInterval(Double(i) / 1000), deadline: now.addingTimeInterval(3600)))
        }
        try await store.insertAll(tasks)

        // The proxy says nothing new about any of them (the usual poll answer).
        let source = CountingTaskSource { TaskSnapshot(id: $0, status: "SUBMITTED") }
        let transport = RecordingTransport()
        let delivery = OutboxDelivery(store: store, transport: transport, now: { clock.now }, logger: Logger(label: "test"))
        let configuration = BridgeConfiguration(pollBatchSize: Self.batch, defaultProgress: .off)
        let tracker = TaskTracker(store: store, delivery: delivery, source: source, configuration: configuration,
                                  clock: clock.bridgeClock, logger: Logger(label: "test"))
        _ = log.take()

        await tracker.poll(everything: true)
        // The delivery worker's reads are part of the cycle's cost (and must not scan either).
        await delivery.settled()
        let requests = source.requests
        let expected = (Self.pendingCount + Self.batch - 1) / Self.batch
        #expect(requests.count == expected, "⌈\(Self.pendingCount) / \(Self.batch)⌉ list-by-condition requests")
        #expect(requests.allSatisfy { $0.count <= Self.batch })
        #expect(Set(requests.joined()) == Set(pendingIds) && requests.joined().count == Self.pendingCount, "each pending task asked once")
        let cycle = log.take()
        // An unchanged report reads the task and writes nothing: no short reference, no history.
        #expect(!cycle.contains { $0.contains("ORDER BY createdAt DESC") }, "no short reference computed for unchanged reports")
        // Per snapshot: its row read by key inside the batch's transaction, and its update
        // (lastHeardAt). Per batch a constant few (one read of the batch's rows, begin, commit),
        // per cycle a constant few more (pending list, deadline check, outbox).
        let bound = Self.pendingCount * 2 + expected * 8 + 40
        #expect(cycle.count <= bound, "\(cycle.count) statements for \(Self.pendingCount) snapshots (bound \(bound))")
        #expect(try scansOfHistory(cycle, databasePath: dir.databasePath).isEmpty)

        // One snapshot alone: a duplicate, then one that says something (progress off, so a result).
        _ = await tracker.apply(TaskSnapshot(id: pendingIds[42], status: "SUBMITTED"))
        let duplicate = log.take()
        #expect(duplicate.count <= 8, "\(duplicate)")
        #expect(!duplicate.contains { $0.hasPrefix("UPDATE") || $0.hasPrefix("INSERT") || $0.hasPrefix("DELETE") },
                "a duplicate writes nothing: \(duplicate)")
        #expect(await tracker.apply(TaskSnapshot(id: pendingIds[43], status: "SUCCESS", progress: 100,
                                                 imageUrl: "https://cdn.example/43.png")) == .applied)
        await delivery.settled()
        let result = log.take()
        #expect(result.filter { $0.contains("ORDER BY createdAt DESC") }.count == 1, "the reference is read once, for the line: \(result)")
        let scanning = try scansOfHistory(duplicate + result, databasePath: dir.databasePath)
        #expect(scanning.isEmpty, "per-snapshot queries reading a whole table:\n\(scanning.joined(separator: "\n"))")
        let said = await transport.texts
        #expect(said.count == 1 && said[0].contains("ref 0043"), "\(said)")
    }
}
