import Foundation
import PostgresNIO
import Store

/// The catalog of hosted result images and the mirrors still owed, as `SQLiteStore+Images`
/// keeps them. The record is the JSON body; a change to one field (removed, last served) is a
/// read of the locked row, the change in Swift, and a write of body and columns together.
extension PostgresStore {
    /// Records a task's images and settles its owed mirror, in one transaction. A name already
    /// there is replaced (a re-mirror).
    public func recordHostedImages(_ images: [HostedImageRecord], settlingOwedMirrorOf taskId: String) async throws {
        let bodies = try images.map { ($0, try RecordJSON.encode($0)) }
        let logger = self.logger
        try await transaction { connection in
            for (image, body) in bodies {
                try await connection.rows(Self.upsert(image, body: body), logger: logger)
            }
            try await connection.rows("DELETE FROM owed_mirror WHERE task_id = \(taskId)", logger: logger)
        }
    }

    /// A task's images (removed ones included), grid first.
    public func hostedImages(forTask taskId: String) async throws -> [HostedImageRecord] {
        let rows = try await query("SELECT name, body FROM hosted_image WHERE task_id = \(taskId) ORDER BY image_index, name")
        return try RestRecords.decode(HostedImageRecord.self, rows, table: "hosted_image")
    }

    public func hostedImage(named name: String) async throws -> HostedImageRecord? {
        let rows = try await query("SELECT name, body FROM hosted_image WHERE name = \(name)")
        return try RestRecords.decode(HostedImageRecord.self, rows, table: "hosted_image").first
    }

    /// Every image not removed, for the retention planner.
    public func liveHostedImages() async throws -> [HostedImageRecord] {
        let rows = try await query("SELECT name, body FROM hosted_image WHERE removed_at IS NULL ORDER BY created_at, name")
        return try RestRecords.decode(HostedImageRecord.self, rows, table: "hosted_image")
    }

    /// Marks images removed; returns how many were live. A row another process removed first
    /// is no longer live when its lock is granted (READ COMMITTED re-reads it), so it counts once.
    @discardableResult
    public func removeHostedImages(names: [String], reason: String, at date: Date) async throws -> Int {
        guard !names.isEmpty else { return 0 }
        let logger = self.logger
        return try await transaction { connection in
            let rows = try await connection.rows("""
                SELECT name, body FROM hosted_image WHERE name = ANY(\(names)) AND removed_at IS NULL
                ORDER BY name FOR UPDATE
                """, logger: logger)
            let images = try RestRecords.decode(HostedImageRecord.self, rows, table: "hosted_image")
            for var image in images {
                image.removedAt = date
                image.removedReason = reason
                try await connection.rows(Self.upsert(image, body: try RecordJSON.encode(image)), logger: logger)
            }
            return images.count
        }
    }

    /// Stores when each image was last served; a time older than the one stored is ignored.
    public func markHostedImagesServed(_ lastServed: [String: Date]) async throws {
        guard !lastServed.isEmpty else { return }
        let names = Array(lastServed.keys)
        let logger = self.logger
        try await transaction { connection in
            let rows = try await connection.rows(
                "SELECT name, body FROM hosted_image WHERE name = ANY(\(names)) ORDER BY name FOR UPDATE", logger: logger)
            for var image in try RestRecords.decode(HostedImageRecord.self, rows, table: "hosted_image") {
                guard let date = lastServed[image.name], image.lastServedAt.map({ $0 < date }) ?? true else { continue }
                image.lastServedAt = date
                try await connection.rows(Self.upsert(image, body: try RecordJSON.encode(image)), logger: logger)
            }
        }
    }

    /// Writes (or replaces) the mirror owed for a task.
    public func recordOwedMirror(_ owed: OwedMirrorRecord) async throws {
        let body = try RecordJSON.encode(owed)
        try await query("""
            INSERT INTO owed_mirror (task_id, next_attempt_at, body) VALUES (\(owed.taskId), \(owed.nextAttemptAt), \(body))
            ON CONFLICT (task_id) DO UPDATE SET next_attempt_at = excluded.next_attempt_at, body = excluded.body
            """)
    }

    public func owedMirror(taskId: String) async throws -> OwedMirrorRecord? {
        let rows = try await query("SELECT task_id, body FROM owed_mirror WHERE task_id = \(taskId)")
        return try RestRecords.decode(OwedMirrorRecord.self, rows, table: "owed_mirror").first
    }

    /// Owed mirrors due at `date`, the most overdue first.
    public func owedMirrors(dueBy date: Date) async throws -> [OwedMirrorRecord] {
        let rows = try await query("""
            SELECT task_id, body FROM owed_mirror WHERE next_attempt_at <= \(date) ORDER BY next_attempt_at, task_id
            """)
        return try RestRecords.decode(OwedMirrorRecord.self, rows, table: "owed_mirror")
    }

    public func removeOwedMirror(taskId: String) async throws {
        try await query("DELETE FROM owed_mirror WHERE task_id = \(taskId)")
    }

    /// Inserts or replaces an image: every column from the record, with its body.
    static func upsert(_ image: HostedImageRecord, body: String) -> PostgresQuery {
        """
        INSERT INTO hosted_image (name, task_id, image_index, created_at, removed_at, body)
        VALUES (\(image.name), \(image.taskId), \(image.imageIndex), \(image.createdAt), \(image.removedAt), \(body))
        ON CONFLICT (name) DO UPDATE SET task_id = excluded.task_id, image_index = excluded.image_index,
            created_at = excluded.created_at, removed_at = excluded.removed_at, body = excluded.body
        """
    }
}
