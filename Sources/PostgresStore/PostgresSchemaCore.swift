/// Tables of tasks, intents, the outbox, channel settings and meta values (pg-core).
///
/// Each record is JSON text in `body`; beside it are the columns queries filter and order on,
/// written from the record on every write. Keys and names that are compared or ordered are
/// `COLLATE "C"`: byte order, as SQLite compares text, so "newest first, then by id" and the
/// order of networks and channels are the same on both stores.
///
/// The outbox is the exception: its delivery state (`sent_at` … `dead_letter_reason`) lives in
/// columns only, changed in place by single statements (`attempts = attempts + 1`, never a
/// read-modify-write across processes); `body` holds the line as it was queued, and reading
/// a line takes the state from the columns.
enum PostgresSchemaCore {
    static let migration = PostgresMigration(name: "p1-core", statements: [
        """
        CREATE TABLE task (
            id text COLLATE "C" PRIMARY KEY,
            network text COLLATE "C" NOT NULL,
            scope_key text COLLATE "C" NOT NULL,
            nick_key text COLLATE "C" NOT NULL,
            account text COLLATE "C",
            user_key text COLLATE "C",
            is_terminal boolean NOT NULL,
            created_at timestamptz NOT NULL,
            finished_at timestamptz,
            body text NOT NULL)
        """,
        // A conversation's newest tasks (short references, resolution, `!tasks`) without a sort.
        "CREATE INDEX task_scope_created ON task (scope_key, created_at DESC, id DESC)",
        // The caller's tasks by nick or by services account (a BitmapOr of the two).
        "CREATE INDEX task_scope_nick ON task (scope_key, nick_key, created_at)",
        "CREATE INDEX task_scope_account ON task (scope_key, account, created_at)",
        // Polling lists pending tasks oldest first; the limits count pending tasks per user
        // and per conversation (pg-rest): small partial indexes, finished history left out.
        "CREATE INDEX task_pending ON task (created_at, id) WHERE NOT is_terminal",
        "CREATE INDEX task_pending_user ON task (user_key) WHERE NOT is_terminal",
        "CREATE INDEX task_pending_scope ON task (scope_key) WHERE NOT is_terminal",
        // `!stats` reads a day by submission and by end; the suffix lookup walks the newest.
        "CREATE INDEX task_created ON task (created_at, id)",
        "CREATE INDEX task_finished ON task (finished_at)",
        """
        CREATE TABLE outbox (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            network text COLLATE "C" NOT NULL,
            task_id text COLLATE "C",
            is_progress boolean NOT NULL,
            created_at timestamptz NOT NULL,
            sent_at timestamptz,
            confirmed_offset bigint NOT NULL DEFAULT 0,
            attempts bigint NOT NULL DEFAULT 0,
            held_since timestamptz,
            held_reason text,
            dead_lettered_at timestamptz,
            dead_letter_reason text,
            body text NOT NULL)
        """,
        // What a network owes, in order, seeking past sent history and dead letters.
        "CREATE INDEX outbox_owed ON outbox (network, id) WHERE sent_at IS NULL AND dead_lettered_at IS NULL",
        // Superseding progress lines, a task's lines, retention.
        "CREATE INDEX outbox_task ON outbox (task_id)",
        // `!pending`'s longest held lines.
        """
        CREATE INDEX outbox_held ON outbox (held_since, id)
            WHERE sent_at IS NULL AND dead_lettered_at IS NULL AND held_since IS NOT NULL
        """,
        "CREATE INDEX outbox_dead_lettered ON outbox (dead_lettered_at, id) WHERE dead_lettered_at IS NOT NULL",
        // The clean-up drops sent lines by age.
        "CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL",
        """
        CREATE TABLE intent (
            id text COLLATE "C" PRIMARY KEY,
            state text COLLATE "C" NOT NULL,
            created_at timestamptz NOT NULL,
            closed_at timestamptz,
            body text NOT NULL)
        """,
        // Reconciliation reads the open ones oldest first; retention drops closed ones by age.
        "CREATE INDEX intent_open_created ON intent (created_at, id) WHERE state = 'open'",
        "CREATE INDEX intent_closed ON intent (closed_at) WHERE closed_at IS NOT NULL",
        """
        CREATE TABLE channel_setting (
            network text COLLATE "C" NOT NULL,
            channel_key text COLLATE "C" NOT NULL,
            body text NOT NULL,
            PRIMARY KEY (network, channel_key))
        """,
        """
        CREATE TABLE meta (
            key text COLLATE "C" PRIMARY KEY,
            value text NOT NULL)
        """,
    ])
}
