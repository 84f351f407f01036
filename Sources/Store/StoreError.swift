/// Why the store could not be used; says which file so an operator can act on it.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, reason: String)
    /// A database to copy from (`migrate-store --from`) that is not there.
    case notFound(path: String)
    /// A file that is not a SQLite database made by mjbridge.
    case notABotDatabase(path: String, reason: String)
    /// A database migrated by a newer mjbridge (migrations this version does not know).
    case newerSchema(path: String, unknownMigrations: [String])
    /// Tables a copy of the database would leave behind (this version does not know them).
    case unknownTables(path: String, tables: [String])

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open the database \(path): \(reason)"
        case .notFound(let path):
            return "no database at \(path)"
        case .notABotDatabase(let path, let reason):
            return "\(path) is not an mjbridge database: \(reason)"
        case .newerSchema(let path, let unknown):
            return "\(path) was written by a newer mjbridge (schema steps \(unknown.joined(separator: ", ")) unknown here): use that version"
        case .unknownTables(let path, let tables):
            return "\(path) has tables this version cannot copy: \(tables.joined(separator: ", "))"
        }
    }
}
