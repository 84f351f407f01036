import Foundation
import PostgresStore
import PostgresTestSupport
import Store
import Testing

/// The store implementations the behaviour tests run against: `@Test(arguments: StoreKind.all)`
/// and `try await kind.withStore { store in … }`. PostgreSQL is left out, with the reason shown
/// by `PostgresAvailabilityTests`, when the real-peer suites are skipped.
enum StoreKind: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static var all: [StoreKind] {
        PostgresTestServer.skipRequested ? [.sqlite] : [.sqlite, .postgres]
    }

    var testDescription: String { rawValue }

    /// A new, empty store of this kind for `body` (an in-memory SQLite database, or a fresh
    /// database on the test PostgreSQL server), closed afterwards.
    func withStore<T: Sendable>(_ body: (any BotStore) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            return try await body(try SQLiteStore.inMemory())
        case .postgres:
            let store = try await Self.openPostgres()
            do {
                let result = try await body(store)
                await store.close()
                return result
            } catch {
                await store.close()
                throw error
            }
        }
    }

    /// A PostgresStore on a fresh database (the caller closes it).
    static func openPostgres() async throws -> PostgresStore {
        let database = try await PostgresTestServer.shared.freshDatabase()
        var configuration = try PostgresStoreConfiguration(url: database.url, password: database.password)
        configuration.maximumConnections = 4
        return try await PostgresStore.open(configuration, logger: .init(label: "test.pg"))
    }
}

/// Shows in the output that the PostgreSQL halves of the store tests were skipped, and why.
@Suite struct PostgresAvailabilityTests {
    @Test(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
    func thePostgresStoreTestsRun() async throws {
        let database = try await PostgresTestServer.shared.freshDatabase()
        #expect(database.url.hasPrefix("postgres://"))
    }
}
