import Foundation
import PostgresStore
import PostgresTestSupport
import Store

/// Stores that share one storage, as a restart or a second process sees it.
extension StoreKind {
    /// `body` gets `open`, which opens a new store on one shared storage each time it is called:
    /// for SQLite one database file (a restart), for PostgreSQL one database (another process,
    /// with its own pool). Every store opened is closed afterwards.
    func withSharedStorage<T: Sendable>(_ body: (_ open: @escaping @Sendable () async throws -> any BotStore) async throws -> T)
        async throws -> T {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory()
            let path = directory.databasePath
            let result = try await body { try SQLiteStore.open(path: path) }
            withExtendedLifetime(directory) {} // the file is removed with it
            return result
        case .postgres:
            let database = try await PostgresTestServer.shared.freshDatabase()
            var configuration = try PostgresStoreConfiguration(url: database.url, password: database.password)
            configuration.maximumConnections = 4
            let shared = configuration
            let opened = OpenedStores()
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

/// The PostgreSQL stores a test opened, to close them when it ends.
actor OpenedStores {
    private var stores: [PostgresStore] = []
    func add(_ store: PostgresStore) { stores.append(store) }
    func closeAll() async {
        for store in stores { await store.close() }
        stores = []
    }
}
