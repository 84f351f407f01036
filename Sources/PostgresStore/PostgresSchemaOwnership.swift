/// Tables of network ownership across processes (pg-own), appended as migrations `p2-…`.
enum PostgresSchemaOwnership {
    static let migrations: [PostgresMigration] = []
}
