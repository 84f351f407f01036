import Foundation
import GRDB

/// STS policies by host (see `STSPolicyRecord`). The IRC client decides; the store keeps rows.
extension SQLiteStore {
    public func stsPolicy(host: String) async throws -> STSPolicyRecord? {
        try await writer.read { db in try STSPolicyRecord.fetchOne(db, key: host.lowercased()) }
    }

    /// Every stored policy, expired ones included, by host (for `check-config`).
    public func stsPolicies() async throws -> [STSPolicyRecord] {
        try await writer.read { db in try STSPolicyRecord.order(Column("host")).fetchAll(db) }
    }

    public func saveSTSPolicy(_ policy: STSPolicyRecord) async throws {
        try await writer.write { db in try policy.save(db) }
    }

    @discardableResult
    public func removeSTSPolicy(host: String) async throws -> Bool {
        try await writer.write { db in try STSPolicyRecord.deleteOne(db, key: host.lowercased()) }
    }

    /// The policies stored in the database at `path`, read without changing anything there:
    /// opened read-only, with no migration, PRAGMA or lock — `check-config` runs next to a live
    /// bot, maybe from a newer binary whose migrations the running one does not know. A
    /// database from before "v11-sts" has no policies.
    public static func storedSTSPolicies(path: String) throws -> [STSPolicyRecord] {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                guard try db.tableExists(STSPolicyRecord.databaseTableName) else { return [] }
                return try STSPolicyRecord.order(Column("host")).fetchAll(db)
            }
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }
}
