import Foundation
import Logging
import PostgresNIO

/// One step of the schema: statements run in order, in one transaction, recorded by name.
struct PostgresMigration: Sendable {
    let name: String
    let statements: [String]
}

/// The schema, append-only like `StoreMigrations` of SQLite (but its own list: the two schemas
/// are not the same shape, records are JSON here). Each part of the store owns its file.
enum PostgresMigrations {
    static let all: [PostgresMigration] = [
        PostgresSchemaCore.migration,
        PostgresSchemaRest.migration,
    ] + PostgresSchemaOwnership.migrations

    /// The key of the transaction-level advisory lock every migrating process takes first, so
    /// twenty processes starting together migrate once: the first runs the steps, the others
    /// wait for its commit and then find nothing left to do.
    static let lockKey: Int64 = 0x6D6A_6272_6964_6765 // "mjbridge"

    static func migrate(_ store: PostgresStore) async throws {
        let names = all.map(\.name)
        precondition(Set(names).count == names.count, "two PostgreSQL migrations share a name")
        try await store.transaction { connection in
            let logger = store.logger
            try await connection.rows("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.rows("""
                CREATE TABLE IF NOT EXISTS mjbridge_migrations (
                    name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM mjbridge_migrations", logger: logger)
                .decode(String.self) {
                applied.insert(name)
            }
            for migration in all where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.rows(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.rows("INSERT INTO mjbridge_migrations (name) VALUES (\(migration.name))", logger: logger)
            }
        }
    }

    /// The names applied so far, in the order they were (for tests and `check-config`).
    static func appliedNames(_ store: PostgresStore) async throws -> [String] {
        var names: [String] = []
        for try await name in try await store.client.query("SELECT name FROM mjbridge_migrations ORDER BY applied_at, name",
                                                           logger: store.logger).decode(String.self) {
            names.append(name)
        }
        return names
    }
}
