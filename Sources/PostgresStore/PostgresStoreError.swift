import Foundation

public enum PostgresStoreError: Error, Equatable, CustomStringConvertible {
    case badURL(String)
    case cannotConnect(String)
    /// The server answered but a migration failed (a permission, a bad statement): not a
    /// network problem, so not `cannotConnect`.
    case migrationFailed(String)
    /// The database holds migrations this binary does not know: a newer mjbridge migrated it.
    /// Running on would let this older binary drop fields it does not know when it rewrites a
    /// record, so it refuses to start.
    case newerSchema(unknown: [String])
    /// A statement failed at run time: the server's message and SQLSTATE, or the connection's
    /// error code. Never the query or its values (they can hold tokens and secrets).
    case failed(reason: String, sqlState: String?)
    /// The connection was lost while COMMIT was in flight: the transaction may have been
    /// committed or rolled back, and the store cannot tell. Not retried (a write that did commit
    /// would be done twice). A caller re-reads what it wrote before redoing a write that is not
    /// idempotent (see `BotStore`).
    case commitOutcomeUnknown(reason: String)
    /// No connection of the pool was leased within `connectionWaitLimit`: nothing was done.
    /// The database is down or unreachable, every connection is held, or the pool is stuck.
    case connectionWaitExpired(seconds: Int)
    /// A BotStore method this implementation does not have yet.
    case notImplemented(String)
    /// A stored record that does not decode (written by a newer version, or damaged).
    case badRecord(table: String, key: String, reason: String)
    /// `importSnapshot` into a database that already holds rows (table name, row count).
    case targetNotEmpty([StoreTableCount])

    public var description: String {
        switch self {
        case .badURL(let why): "store URL: \(why)"
        case .cannotConnect(let why): "cannot reach the PostgreSQL store: \(why)"
        case .migrationFailed(let why): "the PostgreSQL store could not be migrated: \(why)"
        case .newerSchema(let unknown):
            "the PostgreSQL store was migrated by a newer mjbridge (migrations unknown to this binary: "
                + unknown.joined(separator: ", ") + "); run the newer version, or restore a backup"
        case .failed(let reason, "55P03"):
            "the PostgreSQL store waited longer than lock_timeout for a lock another session holds (a stuck "
                + "or slow process?); not retried: \(reason)"
        case .failed(let reason, "57014"):
            "a PostgreSQL store statement ran longer than statement_timeout and was cancelled: \(reason)"
        case .failed(let reason, _): "PostgreSQL store: \(reason)"
        case .commitOutcomeUnknown(let reason):
            "the connection to the PostgreSQL store was lost while a transaction was committing, so it may or may "
                + "not have been saved (read it back before redoing it): \(reason)"
        case .connectionWaitExpired(let seconds):
            "no connection to the PostgreSQL store within \(seconds) s (database down or unreachable, or every "
                + "connection held); nothing was done"
        case .notImplemented(let method): "the PostgreSQL store does not implement \(method) yet"
        case .badRecord(let table, let key, let reason): "\(table) \(key) does not decode: \(reason)"
        case .targetNotEmpty(let tables):
            "the PostgreSQL database already holds mjbridge data ("
                + tables.map { "\($0.table): \($0.rows) rows" }.joined(separator: ", ")
                + "): a store is copied into an empty database only, so nothing there is overwritten or mixed"
        }
    }
}
