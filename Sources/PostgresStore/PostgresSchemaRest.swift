/// Tables of limits, admins, ignores, pauses, audit, hosted images, STS policies and Matrix
/// sessions (pg-rest).
enum PostgresSchemaRest {
    static let migration = PostgresMigration(name: "p1-rest", statements: [
    ])
}
