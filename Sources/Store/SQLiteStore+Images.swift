import Foundation
import GRDB

/// The catalog of hosted result images and the mirrors still owed (see `HostedImageRecord`,
/// `OwedMirrorRecord`). The bytes are not here: a blob store keeps them by digest.
extension SQLiteStore {
    /// Records a task's images once their bytes are stored, and settles the mirror owed for
    /// it (if any), in one transaction. A name already there is replaced (a re-mirror).
    public func recordHostedImages(_ images: [HostedImageRecord], settlingOwedMirrorOf taskId: String) async throws {
        try await writer.write { db in
            for image in images { try image.insert(db, onConflict: .replace) }
            try db.execute(sql: "DELETE FROM owedMirror WHERE taskId = ?", arguments: [taskId])
        }
    }

    /// A task's images (removed ones included), grid first.
    public func hostedImages(forTask taskId: String) async throws -> [HostedImageRecord] {
        try await writer.read { db in
            try HostedImageRecord.filter(Column("taskId") == taskId).order(Column("imageIndex"), Column("name")).fetchAll(db)
        }
    }

    public func hostedImage(named name: String) async throws -> HostedImageRecord? {
        try await writer.read { db in try HostedImageRecord.fetchOne(db, key: name) }
    }

    /// Every image not removed, for the retention planner.
    public func liveHostedImages() async throws -> [HostedImageRecord] {
        try await writer.read { db in
            try HostedImageRecord.filter(Column("removedAt") == nil).order(Column("createdAt"), Column("name")).fetchAll(db)
        }
    }

    /// Marks images removed (their links answer 410 from now on); returns how many were live.
    @discardableResult
    public func removeHostedImages(names: [String], reason: String, at date: Date) async throws -> Int {
        guard !names.isEmpty else { return 0 }
        return try await writer.write { db in
            var count = 0
            for name in names {
                try db.execute(sql: "UPDATE hostedImage SET removedAt = ?, removedReason = ? WHERE name = ? AND removedAt IS NULL",
                               arguments: [date, reason, name])
                count += db.changesCount
            }
            return count
        }
    }

    /// Stores when each image was last served (a batch collected by the HTTP route); a time
    /// older than the one stored is ignored.
    public func markHostedImagesServed(_ lastServed: [String: Date]) async throws {
        guard !lastServed.isEmpty else { return }
        try await writer.write { db in
            for (name, date) in lastServed {
                try db.execute(sql: """
                    UPDATE hostedImage SET lastServedAt = ? WHERE name = ? AND (lastServedAt IS NULL OR lastServedAt < ?)
                    """, arguments: [date, name, date])
            }
        }
    }

    /// Writes (or replaces) the mirror owed for a task.
    public func recordOwedMirror(_ owed: OwedMirrorRecord) async throws {
        try await writer.write { db in try owed.insert(db, onConflict: .replace) }
    }

    public func owedMirror(taskId: String) async throws -> OwedMirrorRecord? {
        try await writer.read { db in try OwedMirrorRecord.fetchOne(db, key: taskId) }
    }

    /// Owed mirrors due at `date`, the most overdue first.
    public func owedMirrors(dueBy date: Date) async throws -> [OwedMirrorRecord] {
        try await writer.read { db in
            try OwedMirrorRecord.filter(Column("nextAttemptAt") <= date).order(Column("nextAttemptAt"), Column("taskId")).fetchAll(db)
        }
    }

    /// The owed mirror is settled or given up on.
    public func removeOwedMirror(taskId: String) async throws {
        try await writer.write { db in try db.execute(sql: "DELETE FROM owedMirror WHERE taskId = ?", arguments: [taskId]) }
    }
}
