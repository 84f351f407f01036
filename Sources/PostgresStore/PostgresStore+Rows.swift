import Foundation
import Logging
import PostgresNIO
import Store

/// Reading and writing the core records (tasks, outbox lines) as rows: the JSON body and the
/// columns beside it, always written together from the record.
extension PostgresStore {
    /// Several reads that must agree (counts and lists of one moment): one read-only
    /// REPEATABLE READ transaction, which never conflicts with writers.
    func snapshot<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction { connection in
            try await connection.rows("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
            return try await body(connection)
        }
    }

    /// A `LIMIT` parameter with SQLite's meaning: a negative limit is no limit (`LIMIT NULL` is
    /// `LIMIT ALL`), where PostgreSQL would fail the statement (2201W).
    static func rowLimit(_ limit: Int) -> Int? {
        limit < 0 ? nil : limit
    }

    // MARK: Tasks

    static let taskColumns = "id, network, scope_key, nick_key, account, user_key, is_terminal, created_at, finished_at, body"

    /// `(…, …)` placeholders for one task row, its values appended to `bindings`.
    static func bindTask(_ task: TaskRecord, _ bindings: inout PostgresBindings) throws -> String {
        let first = bindings.count + 1
        bindings.append(PostgresText.storable(task.id))
        bindings.append(PostgresText.storable(task.network))
        bindings.append(PostgresText.storable(task.scopeKey))
        bindings.append(PostgresText.storable(task.nickKey))
        bindings.append(task.account.map(PostgresText.storable))
        bindings.append(task.userKey.map(PostgresText.storable))
        bindings.append(task.isTerminal)
        bindings.append(task.createdAt)
        bindings.append(task.finishedAt)
        bindings.append(try RecordJSON.encode(task))
        return "(" + (first..<bindings.count + 1).map { "$\($0)" }.joined(separator: ", ") + ")"
    }

    /// Inserts tasks (one statement per 1000); an id that exists already fails the statement.
    static func insertTasks(_ tasks: [TaskRecord], _ connection: PostgresConnection, logger: Logger) async throws {
        var start = tasks.startIndex
        while start < tasks.endIndex {
            let chunk = tasks[start..<min(start + 1000, tasks.endIndex)]
            var bindings = PostgresBindings(capacity: chunk.count * 10)
            let values = try chunk.map { try bindTask($0, &bindings) }.joined(separator: ", ")
            try await connection.rows(PostgresQuery(unsafeSQL: "INSERT INTO task (\(taskColumns)) VALUES \(values)",
                                                    binds: bindings), logger: logger)
            start = chunk.endIndex
        }
    }

    /// Writes every column of an existing task from the record.
    static func writeTask(_ task: TaskRecord, _ connection: PostgresConnection, logger: Logger) async throws {
        let body = try RecordJSON.encode(task)
        try await connection.rows("""
            UPDATE task SET network = \(task.network), scope_key = \(task.scopeKey), nick_key = \(task.nickKey),
                account = \(task.account), user_key = \(task.userKey), is_terminal = \(task.isTerminal),
                created_at = \(task.createdAt), finished_at = \(task.finishedAt), body = \(body)
            WHERE id = \(task.id)
            """, logger: logger)
    }

    /// Rows of `SELECT id, body FROM task …` as records.
    static func decodeTasks(_ rows: [PostgresRow]) throws -> [TaskRecord] {
        try rows.map { row in
            let (id, body) = try row.decode((String, String).self)
            return try RecordJSON.decode(TaskRecord.self, from: body, table: "task", key: id)
        }
    }

    // MARK: Outbox lines

    static let lineColumns = """
        id, body, sent_at, confirmed_offset, attempts, held_since, held_reason, dead_lettered_at, dead_letter_reason
        """

    /// Rows of `SELECT \(lineColumns) FROM outbox …`: the line as queued, with its id and its
    /// delivery state from the columns (the only place that state is kept).
    static func decodeLines(_ rows: [PostgresRow]) throws -> [OutboxLine] {
        try rows.map { row in
            let (id, body, sentAt, confirmedOffset, attempts, heldSince, heldReason, deadLetteredAt, deadLetterReason) =
                try row.decode((Int64, String, Date?, Int, Int, Date?, String?, Date?, String?).self)
            var line = try RecordJSON.decode(OutboxLine.self, from: body, table: "outbox", key: String(id))
            line.id = id
            line.sentAt = sentAt
            line.confirmedOffset = confirmedOffset
            line.attempts = attempts
            line.heldSince = heldSince
            line.heldReason = heldReason
            line.deadLetteredAt = deadLetteredAt
            line.deadLetterReason = deadLetterReason
            return line
        }
    }

    /// Queues lines in order; a line about a task supersedes that task's progress lines still
    /// unsent (marked sent without being said), exactly as `SQLiteStore.insert(_:_:)`.
    ///
    /// Several processes: two transactions queuing lines about one task at once could each
    /// supersede only what it saw and both leave a progress line owed. So the tasks the lines
    /// are about are locked first (`FOR UPDATE`, in id order so two of these never deadlock);
    /// `update…` already holds its task's lock (`locked`). The lock also keeps retention from
    /// deleting a task while a line about it is being queued (see `pruneFinishedTasks`).
    static func insertLines(_ lines: [OutboxLine], locked: Set<String> = [], _ connection: PostgresConnection,
                            logger: Logger) async throws {
        let toLock = Set(lines.compactMap(\.taskId)).subtracting(locked).sorted()
        if !toLock.isEmpty {
            try await connection.rows("SELECT id FROM task WHERE id = ANY(\(toLock)) ORDER BY id FOR UPDATE", logger: logger)
        }
        for var line in lines {
            if let taskId = line.taskId {
                try await connection.rows("""
                    UPDATE outbox SET sent_at = \(line.createdAt)
                    WHERE task_id = \(taskId) AND is_progress AND sent_at IS NULL
                    """, logger: logger)
            }
            line.id = nil
            let body = try RecordJSON.encode(line)
            try await connection.rows("""
                INSERT INTO outbox (network, task_id, is_progress, created_at, sent_at, confirmed_offset, attempts,
                                    held_since, held_reason, dead_lettered_at, dead_letter_reason, body)
                VALUES (\(line.network), \(line.taskId), \(line.isProgress), \(line.createdAt), \(line.sentAt),
                        \(line.confirmedOffset), \(line.attempts), \(line.heldSince), \(line.heldReason),
                        \(line.deadLetteredAt), \(line.deadLetterReason), \(body))
                """, logger: logger)
        }
    }
}

// MARK: Dates to the millisecond

/// Dates as `SQLiteStore` keeps them: to the nearest millisecond (GRDB writes "yyyy-MM-dd
/// HH:mm:ss.SSS", which Foundation rounds). PostgreSQL would keep microseconds and the JSON
/// bodies the exact double, so two tasks created in the same millisecond would order by time
/// here and by id on SQLite, and a comparison of two dates less than a millisecond apart could
/// go the other way. Every date this store writes, in a column or a JSON record, goes through
/// `rounded` first.
///
/// The date is rounded to the microsecond before the millisecond, so a date read back from a
/// column (microseconds, as a `Double`, a few ulps off) and written again lands on the same
/// millisecond: writing is stable. (SQLite rounds the raw `Double`: the two can differ only for
/// a date within half a microsecond of a half millisecond.)
enum StoreMilliseconds {
    /// Milliseconds since 1970.
    static func milliseconds(_ date: Date) -> Int64 {
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let shifted = microseconds + 500
        return shifted >= 0 ? shifted / 1000 : -((-shifted + 999) / 1000)
    }

    static func rounded(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000)
    }
}

/// A `timestamptz` bind of a date rounded to the millisecond, encoded as PostgreSQL's exact integer
/// microseconds (a `Date` bind goes through a `Double` and may land a microsecond below).
struct MillisecondTimestamp: PostgresNonThrowingEncodable {
    let milliseconds: Int64

    init(_ date: Date) {
        milliseconds = StoreMilliseconds.milliseconds(date)
    }

    static var psqlType: PostgresDataType { .timestamptz }
    static var psqlFormat: PostgresFormat { .binary }

    /// Microseconds since 2000-01-01 00:00 UTC, PostgreSQL's epoch.
    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer,
                                                  context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(milliseconds * 1000 - 946_684_800_000_000)
    }
}

/// Every `\(date)` in this module's queries and every `bindings.append(date)` binds the date
/// rounded to the millisecond (these non-generic overloads win over PostgresNIO's generic ones).
extension PostgresQuery.StringInterpolation {
    mutating func appendInterpolation(_ value: Date) {
        appendInterpolation(MillisecondTimestamp(value))
    }

    mutating func appendInterpolation(_ value: Date?) {
        appendInterpolation(value.map(MillisecondTimestamp.init))
    }
}

extension PostgresBindings {
    mutating func append(_ value: Date) {
        append(MillisecondTimestamp(value))
    }

    mutating func append(_ value: Date?) {
        append(value.map(MillisecondTimestamp.init))
    }
}
