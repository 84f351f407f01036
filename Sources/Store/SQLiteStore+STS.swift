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
}
