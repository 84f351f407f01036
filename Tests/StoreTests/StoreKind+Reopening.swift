import Foundation
import PostgresStore
import PostgresTestSupport
import Store

extension StoreKind {
    /// Stores that can be opened again on the same data, as after a restart or by a second
    /// process: `body` gets `open`, which opens one more store each call (a new `SQLiteStore`
    /// on one temporary file, or a new pool on one fresh PostgreSQL database). Every
    /// PostgreSQL store opened is closed afterwards; SQLite ones close when released.
    func withReopenableStore<T: Sendable>(
        _ body: (_ open: @escaping @Sendable () async throws -> any BotStore) async throws -> T
    ) async throws -> T {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory()
            let path = directory.databasePath
            // The directory (and its file) is removed when released: not before the body ends.
            defer { withExtendedLifetime(directory) {} }
            return try await body { try SQLiteStore.open(path: path) }
        case .postgres:
            let database = try await PostgresTestServer.shared.freshDatabase()
            var configuration = try PostgresStoreConfiguration(url: database.url, password: database.password)
            configuration.maximumConnections = 4
            let shared = configuration
            let opened = OpenedPostgresStores()
            do {
                let result = try await body {
                    let store = try await PostgresStore.open(shared, logger: .init(label: "test.pg"))
                    await opened.add(store)
                    return store
                }
                await opened.closeAll()
                return result
            } catch {
                await opened.closeAll()
                throw error
            }
        }
    }
}

/// The PostgreSQL stores a test opened, to close them all when it ends.
private actor OpenedPostgresStores {
    private var stores: [PostgresStore] = []

    func add(_ store: PostgresStore) {
        stores.append(store)
    }

    func closeAll() async {
        for store in stores { await store.close() }
        stores = []
    }
}
