import Foundation

public enum PostgresStoreError: Error, Equatable, CustomStringConvertible {
    case badURL(String)
    case cannotConnect(String)
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
        case .notImplemented(let method): "the PostgreSQL store does not implement \(method) yet"
        case .badRecord(let table, let key, let reason): "\(table) \(key) does not decode: \(reason)"
        case .targetNotEmpty(let tables):
            "the PostgreSQL database already holds mjbridge data ("
                + tables.map { "\($0.table): \($0.rows) rows" }.joined(separator: ", ")
                + "): a store is copied into an empty database only, so nothing there is overwritten or mixed"
        }
    }
}
