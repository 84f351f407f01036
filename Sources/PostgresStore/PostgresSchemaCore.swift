/// Tables of tasks, intents, the outbox, channel settings and meta values (pg-core).
enum PostgresSchemaCore {
    static let migration = PostgresMigration(name: "p1-core", statements: [
    ])
}
