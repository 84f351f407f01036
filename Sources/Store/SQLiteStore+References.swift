import Foundation
import GRDB

extension SQLiteStore {
    /// The newest tasks on `network`, in any conversation, whose id ends with `suffix`, newest
    /// first: what a ref typed in one conversation would name in another (to say "that is not
    /// from here" instead of "unknown"), and a private conversation's view of the owner's
    /// channel tasks. No index can find a suffix, so only the newest `window` tasks (of all
    /// networks) are looked at: a bounded walk of the `createdAt` index, never the whole history.
    public func tasks(endingWith suffix: String, network: String, window: Int, limit: Int) async throws -> [TaskRecord] {
        guard !suffix.isEmpty else { return [] }
        return try await writer.read { db in
            try TaskRecord.fetchAll(db, sql: """
                SELECT * FROM (SELECT * FROM task ORDER BY createdAt DESC, id DESC LIMIT ?)
                WHERE network = ? AND substr(id, ?) = ? ORDER BY createdAt DESC, id DESC LIMIT ?
                """, arguments: [window, network, -suffix.count, suffix, limit])
        }
    }
}
