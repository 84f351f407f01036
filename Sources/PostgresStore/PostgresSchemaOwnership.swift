/// Tables of network ownership across processes (pg-own), appended as migrations `p2-…`.
enum PostgresSchemaOwnership {
    static let migrations: [PostgresMigration] = [
        // One row per running process, written by its lock session every ping: who it is, and
        // which networks it held at its last heartbeat (the advisory locks are the truth; this
        // is what `!pending` and `/health` show). `lock_backend_pid` is the server process of
        // its lock session, so a reader can check the row against pg_locks.
        PostgresMigration(name: "p2-ownership", statements: [
            """
            CREATE TABLE ownership_holders (
                process_id text PRIMARY KEY,
                host text NOT NULL,
                pid integer NOT NULL,
                started_at timestamptz NOT NULL,
                heartbeat_at timestamptz NOT NULL,
                lock_backend_pid integer NOT NULL,
                networks text NOT NULL DEFAULT '[]')
            """,
        ]),
    ]
}
