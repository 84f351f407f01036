import GRDB

/// Schema history. Never edit a shipped migration; add a new one.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: tasks, outbox, meta") { db in
            try db.create(table: "task") { t in
                t.primaryKey("id", .text)
                t.column("network", .text).notNull()
                t.column("channel", .text)
                t.column("nick", .text).notNull()
                t.column("account", .text)
                t.column("scopeKey", .text).notNull()
                t.column("nickKey", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("action", .text)
                t.column("prompt", .text).notNull()
                t.column("status", .text).notNull()
                t.column("statusRank", .integer).notNull()
                t.column("progress", .integer)
                t.column("isTerminal", .boolean).notNull().defaults(to: false)
                t.column("timedOut", .boolean).notNull().defaults(to: false)
                t.column("imageUrl", .text)
                t.column("failReason", .text)
                t.column("buttonsJSON", .text)
                t.column("finalPrompt", .text)
                t.column("parentId", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.column("lastHeardAt", .datetime)
                t.column("deadline", .datetime).notNull()
                t.column("finishedAt", .datetime)
                t.column("progressNotifiedAt", .datetime)
                t.column("progressNotifiedLevel", .integer)
            }
            try db.create(index: "task_scope_created", on: "task", columns: ["scopeKey", "createdAt"])
            try db.create(index: "task_pending", on: "task", columns: ["isTerminal"])
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("network", .text).notNull()
                t.column("target", .text).notNull()
                t.column("channelKey", .text)
                t.column("text", .text).notNull()
                t.column("style", .text).notNull()
                t.column("taskId", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("sentAt", .datetime)
            }
            try db.create(index: "outbox_unsent", on: "outbox", columns: ["sentAt", "id"])
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        migrator.registerMigration("v2: outbox progress lines") { db in
            try db.alter(table: "outbox") { t in
                t.add(column: "isProgress", .boolean).notNull().defaults(to: false)
            }
        }
        migrator.registerMigration("v3: channel settings") { db in
            try db.create(table: "channelSetting") { t in
                t.column("network", .text).notNull()
                t.column("channelKey", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("progress", .text)
                t.column("membership", .text)
                t.column("joinKey", .text)
                t.column("updatedAt", .datetime).notNull()
                t.primaryKey(["network", "channelKey"])
            }
        }
        migrator.registerMigration("v4-admin") { db in
            try db.create(table: "adminAccount") { t in
                t.primaryKey("accountKey", .text)
                t.column("account", .text).notNull()
                t.column("addedBy", .text).notNull()
                t.column("addedAt", .datetime).notNull()
            }
            try db.create(table: "ignoreEntry") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
                t.column("reason", .text)
                t.column("addedBy", .text).notNull()
                t.column("addedAt", .datetime).notNull()
            }
            try db.create(table: "pauseSetting") { t in
                t.column("network", .text).notNull()
                t.column("channelKey", .text).notNull()
                t.column("channel", .text)
                t.column("message", .text)
                t.column("pausedBy", .text).notNull()
                t.column("pausedAt", .datetime).notNull()
                t.primaryKey(["network", "channelKey"])
            }
            try db.create(table: "auditEntry") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("account", .text)
                t.column("mask", .text).notNull()
                t.column("network", .text).notNull()
                t.column("channel", .text)
                t.column("command", .text).notNull()
                t.column("target", .text)
                t.column("outcome", .text).notNull()
                t.column("at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v5-limits") { db in
            // Pending counts per user and per channel read unfinished tasks by these keys.
            try db.alter(table: "task") { t in
                t.add(column: "userKey", .text)
            }
            try db.create(index: "task_pending_user", on: "task", columns: ["isTerminal", "userKey"])
            try db.create(index: "task_pending_scope", on: "task", columns: ["isTerminal", "scopeKey"])
            try db.create(table: "limitUsage") { t in
                t.column("identity", .text).notNull()
                t.column("day", .text).notNull()
                t.column("jobs", .integer).notNull()
                t.primaryKey(["identity", "day"])
            }
            try db.create(table: "limitUser") { t in
                t.primaryKey("identity", .text)
                t.column("lastNick", .text)
                t.column("lastNickKey", .text).indexed()
                t.column("lastSubmissionAt", .datetime)
            }
            try db.create(table: "quotaOverride") { t in
                t.column("identity", .text).notNull()
                // "" = the identity's default, else the UTC day it holds for.
                t.column("day", .text).notNull()
                t.column("dailyLimit", .integer).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.primaryKey(["identity", "day"])
            }
            try db.create(table: "jobReservation") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("identity", .text).notNull().indexed()
                t.column("scopeKey", .text).indexed()
                t.column("day", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("previousSubmissionAt", .datetime)
            }
        }
        migrator.registerMigration("v6-stats") { db in
            // `!stats` counts a UTC day of tasks by when they were submitted and when they ended.
            try db.create(index: "task_created", on: "task", columns: ["createdAt"])
            try db.create(index: "task_finished", on: "task", columns: ["finishedAt"])
        }
        migrator.registerMigration("v7-scaling") { db in
            // Per-snapshot and per-command work must not grow with history: every query the
            // bot makes finds its rows through an index (StoreQueryPlanTests checks the plans).
            // Superseding progress lines, a task's lines and retention look lines up by task.
            try db.create(index: "outbox_task", on: "outbox", columns: ["taskId"])
            // Short references and reference resolution read a conversation's newest ids:
            // with `id` in the index that read never touches the table or sorts.
            try db.drop(index: "task_scope_created")
            try db.create(index: "task_scope_created", on: "task", columns: ["scopeKey", "createdAt", "id"])
            // `!tasks`, `!cancel` and the implicit "my last task": the caller's tasks in a
            // conversation by nick or by services account (an OR of the two indexes).
            try db.create(index: "task_scope_nick", on: "task", columns: ["scopeKey", "nickKey", "createdAt"])
            try db.create(index: "task_scope_account", on: "task", columns: ["scopeKey", "account", "createdAt"])
            // Polling lists pending tasks oldest first without a sort.
            try db.drop(index: "task_pending")
            try db.create(index: "task_pending", on: "task", columns: ["isTerminal", "createdAt", "id"])
            // The hourly clean-up drops audit rows by age; a year of them is worth an index.
            try db.create(index: "auditEntry_at", on: "auditEntry", columns: ["at"])
        }
        migrator.registerMigration("v8-delivery") { db in
            // Per-network delivery workers: a line remembers how far it was confirmed (a reply
            // split over several IRC lines resumes after its last confirmed piece), how often
            // it was refused, since when it is held and why, and whether it was given up on.
            try db.alter(table: "outbox") { t in
                t.add(column: "confirmedOffset", .integer).notNull().defaults(to: 0)
                t.add(column: "attempts", .integer).notNull().defaults(to: 0)
                t.add(column: "heldSince", .datetime)
                t.add(column: "heldReason", .text)
                t.add(column: "deadLetteredAt", .datetime)
                t.add(column: "deadLetterReason", .text)
            }
            // A worker reads its network's owed lines in order, and the start finds the networks
            // that owe any: both seek past sent history and dead letters.
            try db.create(index: "outbox_owed", on: "outbox", columns: ["sentAt", "deadLetteredAt", "network", "id"])
            // `!pending`, the gauges and the clean-up read dead letters by age.
            try db.create(index: "outbox_dead_lettered", on: "outbox", columns: ["deadLetteredAt"])
        }
        migrator.registerMigration("v9-intents") { db in
            // A submission is written before the proxy is asked, so a crash (or a lost answer)
            // between the proxy accepting a job and the task row being written cannot lose it
            // without a word (`IntentRecord`).
            try db.create(table: "intent") { t in
                t.primaryKey("id", .text)
                t.column("network", .text).notNull()
                t.column("channel", .text)
                t.column("nick", .text).notNull()
                t.column("account", .text)
                t.column("userKey", .text)
                t.column("kind", .text).notNull()
                t.column("prompt", .text).notNull()
                t.column("parentId", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("taskIds", .text)
                t.column("state", .text).notNull()
                t.column("closedAt", .datetime)
            }
            // Reconciliation reads the open ones oldest first; retention drops closed ones by age.
            try db.create(index: "intent_state_created", on: "intent", columns: ["state", "createdAt"])
            try db.create(index: "intent_closed", on: "intent", columns: ["closedAt"])
        }
        migrator.registerMigration("v10-images") { db in
            // The catalog of hosted result images: one row per public name (the bytes live in
            // a blob store, by digest). Removed names keep their row so their links say 410.
            try db.create(table: "hostedImage") { t in
                t.primaryKey("name", .text)
                t.column("taskId", .text).notNull().indexed()
                t.column("imageIndex", .integer).notNull()
                t.column("digest", .text).notNull().indexed()
                t.column("contentType", .text).notNull()
                t.column("bytes", .integer).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("lastServedAt", .datetime)
                t.column("removedAt", .datetime)
                t.column("removedReason", .text)
            }
            // Retention reads the live ones.
            try db.create(index: "hostedImage_live", on: "hostedImage", columns: ["removedAt", "createdAt"])
            // Mirrors that failed at completion, retried in the background across restarts.
            try db.create(table: "owedMirror") { t in
                t.primaryKey("taskId", .text)
                t.column("gridUrl", .text)
                t.column("singleUrls", .text).notNull()
                t.column("firstFailedAt", .datetime).notNull()
                t.column("attempts", .integer).notNull()
                t.column("nextAttemptAt", .datetime).notNull().indexed()
                t.column("lastError", .text)
            }
        }
        migrator.registerMigration("v11-sts") { db in
            // IRCv3 STS policies learned over verified TLS, per host: a network configured
            // with tls = false is still reached with TLS until the policy expires.
            try db.create(table: "stsPolicy") { t in
                t.primaryKey("host", .text)
                t.column("port", .integer).notNull()
                t.column("durationSeconds", .integer).notNull()
                t.column("preload", .boolean).notNull().defaults(to: false)
                t.column("expiresAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v12-matrix") { db in
            // A Matrix answer is a reply to the command's event, in its thread: the target is
            // kept with the task, the intent and each owed line (JSON of `ReplyReference`), so
            // a result after a restart still lands in the right thread.
            for table in ["task", "intent", "outbox"] {
                try db.alter(table: table) { t in t.add(column: "replyTo", .text) }
            }
            // Per Matrix account: the login made with a password (token + device, reused) and
            // the /sync position, stored only after every command of its batch was handled.
            try db.create(table: "matrixAccount") { t in
                t.primaryKey("account", .text)
                t.column("userID", .text)
                t.column("deviceID", .text)
                t.column("accessToken", .text)
                t.column("since", .text)
            }
            // The command events already taken on: a batch re-read after a crash (its since
            // token was not stored yet) runs none of them again.
            try db.create(table: "matrixHandledEvent") { t in
                t.primaryKey("eventID", .text)
                t.column("account", .text).notNull()
                t.column("at", .datetime).notNull()
            }
            try db.create(index: "matrixHandledEvent_at", on: "matrixHandledEvent", columns: ["at"])
        }
        migrator.registerMigration("v13-matrix-rooms") { db in
            // Encrypted rooms the bot has said once that it cannot read them: once per room,
            // across restarts (the room's encryption state comes in one batch, long ago).
            try db.create(table: "matrixEncryptedRoomNotice") { t in
                t.column("account", .text).notNull()
                t.column("roomID", .text).notNull()
                t.column("at", .datetime).notNull()
                t.primaryKey(["account", "roomID"])
            }
        }
        return migrator
    }
}
