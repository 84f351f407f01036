import Foundation
import PostgresNIO
import Store

/// STS policies by lower-cased host, as `SQLiteStore+STS` keeps them (the record as JSON).
extension PostgresStore {
    public func stsPolicy(host: String) async throws -> STSPolicyRecord? {
        let rows = try await query("SELECT host, body FROM sts_policy WHERE host = \(host.lowercased())")
        return try RestRecords.decode(STSPolicyRecord.self, rows, table: "sts_policy").first
    }

    /// Every stored policy, expired ones included, by host.
    public func stsPolicies() async throws -> [STSPolicyRecord] {
        let rows = try await query("SELECT host, body FROM sts_policy ORDER BY host")
        return try RestRecords.decode(STSPolicyRecord.self, rows, table: "sts_policy")
    }

    public func saveSTSPolicy(_ policy: STSPolicyRecord) async throws {
        let body = try RecordJSON.encode(policy)
        try await query("""
            INSERT INTO sts_policy (host, body) VALUES (\(policy.host), \(body))
            ON CONFLICT (host) DO UPDATE SET body = excluded.body
            """)
    }

    @discardableResult
    public func removeSTSPolicy(host: String) async throws -> Bool {
        !(try await query("DELETE FROM sts_policy WHERE host = \(host.lowercased()) RETURNING 1").isEmpty)
    }
}
