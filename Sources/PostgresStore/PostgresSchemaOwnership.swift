/// Tables of network ownership across processes (pg-own), appended as migrations `p2-…`, and
/// the claims of outbox lines by a network's holder (`p3-…`).
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
        // Outbox lines claimed row by row by the holder of their network
        // (`claimOwedLines`): `claimed_by` is the backend pid of the lock session that claimed
        // the line last (written when the claimant changes), `claimed_at` when. A record, not a
        // condition: the claim is checked against pg_locks each time, and a claimant holding
        // the exclusive lock may take any owed line (a former holder's claim is void at once).
        // Nullable columns without a default: adding them rewrites nothing. No index of their
        // own: a claim reads a network's owed lines through `outbox_owed` (network, id).
        PostgresMigration(name: "p3-outbox-claims", statements: [
            "ALTER TABLE outbox ADD COLUMN claimed_by integer, ADD COLUMN claimed_at timestamptz",
        ]),
    ]
}
