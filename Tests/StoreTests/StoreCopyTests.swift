import Foundation
import GRDB
import PostgresStore
import PostgresTestSupport
import Store
import Testing

/// `mjbridge migrate-store`: a real SQLite file filled through the BotStore API, copied into a
/// fresh database of the real test PostgreSQL, and both stores asked the same questions.
@Suite(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct StoreCopyTests {
    static let day = "2025-05-27"
    static let matrixRoute = TaskRoute(network: "matrix:bot", channel: "!room:hs", nick: "@carol:hs", account: "@carol:hs",
                                       replyTo: ReplyReference(eventID: "$cmd", threadRoot: "$root", userID: "@carol:hs"))

    /// Writes something into every table, through the store's own methods only.
    static func fill(_ store: any BotStore) async throws {
        // Tasks: one pending with an acknowledgement, one finished with its result (sent), one
        // whose result is held then dead-lettered, one on Matrix replying in a thread.
        let ack = OutboxLine(network: "net", target: "#Art", isChannel: true, text: "queued 401828", style: "notice",
                             taskId: "1748339029401828", createdAt: t0)
        try await store.insert(makeTask("1748339029401828", at: 1), lines: [ack])
        try await store.insert(makeTask("1748339029409999", at: 2))
        _ = try await store.update(taskId: "1748339029409999") { task, lines in
            task.status = "SUCCESS"
            task.statusRank = 9
            task.isTerminal = true
            task.imageUrl = "https://cdn.example/x.png"
            task.finishedAt = t0.addingTimeInterval(60)
            lines.append(OutboxLine(network: "net", target: "#Art", isChannel: true, text: "done: x.png", style: "privmsg",
                                    taskId: "1748339029409999", createdAt: t0.addingTimeInterval(60)))
        }
        try await store.insert(makeTask("1748339029400001", route: matrixRoute, at: 3),
                               lines: [OutboxLine(network: "matrix:bot", target: "!room:hs", isChannel: true, text: "queued",
                                                  style: "notice", taskId: "1748339029400001", createdAt: t0.addingTimeInterval(3),
                                                  replyTo: matrixRoute.replyTo)])
        let lines = try await store.unsentLines()
        let result = try #require(lines.first { $0.text == "done: x.png" })
        #expect(try await store.markSent(lineId: try #require(result.id), at: t0.addingTimeInterval(61)))
        try await store.enqueue([
            OutboxLine(network: "net", target: "#closed", isChannel: true, text: "to a closed channel", style: "privmsg",
                       createdAt: t0.addingTimeInterval(4)),
            OutboxLine(network: "net", target: "#held", isChannel: true, text: "held back", style: "privmsg",
                       createdAt: t0.addingTimeInterval(5)),
            OutboxLine(network: "net", target: "Bob", isChannel: false, text: "a long private reply", style: "privmsg",
                       createdAt: t0.addingTimeInterval(6)),
        ])
        let owed = try await store.owedLines(network: "net")
        let closed = try #require(owed.first { $0.target == "#closed" }?.id)
        let held = try #require(owed.first { $0.target == "#held" }?.id)
        let partial = try #require(owed.first { $0.target == "Bob" }?.id)
        try await store.recordRefusal(lineId: closed, offset: 0, reason: "Cannot send to channel", at: t0.addingTimeInterval(7))
        try await store.deadLetter(lineId: closed, offset: 0, reason: "refused 3 times", at: t0.addingTimeInterval(8))
        try await store.hold(lineIds: [held], reason: "not in #held", at: t0.addingTimeInterval(9))
        try await store.recordConfirmedOffset(lineId: partial, offset: 7)

        // Intents: one open, one accepted.
        try await store.recordIntent(IntentRecord(id: "in-open", route: art, userKey: "account:alice", kind: "imagine",
                                                  prompt: "a blue fox", createdAt: t0.addingTimeInterval(10)))
        try await store.recordIntent(IntentRecord(id: "in-done", route: art, kind: "imagine", prompt: "a red fox", createdAt: t0))
        try await store.acceptIntent(id: "in-done", taskId: "1748339029401828", at: t0.addingTimeInterval(1))

        // Settings and meta: the generated callback secret.
        try await store.updateChannelSetting(network: "net", channel: "#Art", at: t0) { setting in
            setting.progress = "quiet"
            setting.membership = .joined
            setting.joinKey = "sekrit"
        }
        _ = try await store.metaValue(forKey: "callbackSecret") { "generated-secret-0123456789" }
        try await store.setMetaValue("42", forKey: "something")

        // Limits: a completed reservation (usage, last nick), a live one, overrides.
        let requester = JobRequester(identity: "account:alice", nick: "Alice", channelScopeKey: art.scopeKey, day: day)
        let now = t0.addingTimeInterval(20)
        guard case .reserved(let first) = try await store.reserveJob(requester, at: now, decide: { _ in nil as String? }) else {
            Issue.record("not reserved")
            return
        }
        try await store.completeReservation(first)
        _ = try await store.reserveJob(requester, at: now.addingTimeInterval(1), decide: { _ in nil as String? })
        try await store.setQuotaOverride(identity: "account:alice", day: day, limit: 7, at: now)
        try await store.setQuotaOverride(identity: "account:alice", day: nil, limit: 5, at: now)
        try await store.setQuotaOverride(identity: StoreConventions.everyoneQuotaKey, day: nil, limit: 3, at: now)

        // Admins, ignores, pauses, audit.
        try await store.addAdmin(AdminAccount(account: "Dave", addedBy: "owner", addedAt: t0))
        try await store.addIgnore(IgnoreEntry(key: "mask:*!*@spam", value: "*!*@spam", reason: "flood", addedBy: "dave", addedAt: t0))
        try await store.setPause(PauseSetting(network: "net", channel: "#Art", message: "back soon", pausedBy: "dave", pausedAt: t0))
        // (Distinct times: on a tie the two stores list pauses in different orders.)
        try await store.setPause(PauseSetting(network: "net", channel: nil, message: nil, pausedBy: "owner",
                                              pausedAt: t0.addingTimeInterval(1)))
        for (index, command) in ["pause", "admin add", "ignore"].enumerated() {
            try await store.appendAudit(AuditEntry(account: "dave", mask: "dave!d@host", network: "net", channel: "#Art",
                                                   command: command, target: "#Art", outcome: "ok",
                                                   at: t0.addingTimeInterval(Double(index))))
        }

        // Hosted images (one removed) and an owed mirror.
        try await store.recordHostedImages([
            HostedImageRecord(name: "409999-ab.png", taskId: "1748339029409999", imageIndex: 0, digest: "d0", contentType: "image/png",
                              bytes: 1234, createdAt: t0),
            HostedImageRecord(name: "409999-ab-1.png", taskId: "1748339029409999", imageIndex: 1, digest: "d1",
                              contentType: "image/png", bytes: 99, createdAt: t0),
        ], settlingOwedMirrorOf: "1748339029409999")
        try await store.removeHostedImages(names: ["409999-ab-1.png"], reason: "expired", at: t0.addingTimeInterval(100))
        try await store.markHostedImagesServed(["409999-ab.png": t0.addingTimeInterval(50)])
        try await store.recordOwedMirror(OwedMirrorRecord(taskId: "1748339029401828", gridUrl: "https://cdn.example/g.png",
                                                          singleUrls: ["https://cdn.example/1.png"], firstFailedAt: t0,
                                                          attempts: 2, nextAttemptAt: t0.addingTimeInterval(300), lastError: "502"))

        // STS and Matrix.
        try await store.saveSTSPolicy(STSPolicyRecord(host: "IRC.Example.org", port: 6697, durationSeconds: 86400, preload: true,
                                                      expiresAt: t0.addingTimeInterval(86400), updatedAt: t0))
        try await store.saveMatrixLogin(account: "bot", userID: "@bot:hs", deviceID: "DEV1", accessToken: "syt_token")
        try await store.commitMatrixSince(account: "bot", since: "s72_1")
        #expect(try await store.claimMatrixEvent("$cmd", account: "bot", at: t0))
        #expect(try await store.claimMatrixEncryptionNotice(account: "bot", roomID: "!secret:hs", at: t0))
    }

    /// Everything a bot reads, from one store, in a comparable form.
    struct Reading: Equatable {
        var pending: [TaskRecord]
        var tasks: [String: TaskRecord]
        var linesPerTask: [[OutboxLine]]
        var owedNet: [OutboxLine]
        var owedMatrix: [OutboxLine]
        var unsent: [OutboxLine]
        var summary: OutboxSummary
        var gauges: StoreGauges
        var networksOwing: [String]
        var openIntents: [IntentRecord]
        var accepted: IntentRecord?
        var settings: [ChannelSetting]
        var secret: String?
        var something: String?
        var quota: QuotaUsage
        var counters: JobCounters
        var nickIdentity: String?
        var admins: [AdminAccount]
        var ignores: [IgnoreEntry]
        var pauses: [PauseSetting]
        var audit: [AuditEntry]
        var images: [HostedImageRecord]
        var live: [HostedImageRecord]
        var owedMirror: OwedMirrorRecord?
        var sts: [STSPolicyRecord]
        var matrix: MatrixSession?

        init(_ store: any BotStore) async throws {
            pending = try await store.pendingTasks()
            let ids = ["1748339029401828", "1748339029409999", "1748339029400001"]
            tasks = try await store.tasks(ids: ids)
            var perTask: [[OutboxLine]] = []
            for id in ids { perTask.append(try await store.lines(forTask: id)) }
            linesPerTask = perTask
            owedNet = try await store.owedLines(network: "net")
            owedMatrix = try await store.owedLines(network: "matrix:bot")
            unsent = try await store.unsentLines()
            summary = try await store.outboxSummary(limit: 10)
            gauges = try await store.gauges()
            networksOwing = try await store.networksOwingLines()
            openIntents = try await store.openIntents(createdUpTo: t0.addingTimeInterval(1000))
            accepted = try await store.intent(id: "in-done")
            settings = try await store.channelSettings()
            secret = try await store.metaValue(forKey: "callbackSecret")
            something = try await store.metaValue(forKey: "something")
            quota = try await store.quotaUsage(identity: "account:alice", day: StoreCopyTests.day)
            counters = try await store.jobCounters(
                JobRequester(identity: "account:alice", nick: "Alice", channelScopeKey: art.scopeKey, day: StoreCopyTests.day),
                at: t0.addingTimeInterval(30))
            nickIdentity = try await store.identity(lastUsingNick: "alice")
            admins = try await store.adminAccounts()
            ignores = try await store.ignoreEntries()
            pauses = try await store.pauseSettings()
            audit = try await store.recentAudit(limit: 10)
            images = try await store.hostedImages(forTask: "1748339029409999")
            live = try await store.liveHostedImages()
            owedMirror = try await store.owedMirror(taskId: "1748339029401828")
            sts = try await store.stsPolicies()
            matrix = try await store.matrixSession(account: "bot")
        }
    }

    static func target(_ database: PostgresTestServer.Database) throws -> PostgresStoreConfiguration {
        var configuration = try PostgresStoreConfiguration(url: database.url, password: database.password)
        configuration.maximumConnections = 2
        return configuration
    }

    @Test func everyTableIsCopiedWithItsIdsAndThePostgresStoreAnswersTheSame() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.databasePath
        let sqlite = try SQLiteStore.open(path: path)
        try await Self.fill(sqlite)
        let before = try await Reading(sqlite)
        let database = try await PostgresTestServer.shared.freshDatabase()

        let report = try await StoreCopy.copy(sqlitePath: path, to: try Self.target(database), logger: .init(label: "test.copy"))

        // Every table had something to copy, and PostgreSQL holds it.
        #expect(report.source == report.target)
        #expect(report.source.map(\.table) == PostgresStore.importedTables)
        for count in report.target { #expect(count.rows > 0, "\(count.table) copied nothing: the test fills every table") }
        #expect(report.target.first { $0.table == "outbox" }?.rows == 6)
        #expect(report.target.first { $0.table == "audit_entry" }?.rows == 3)

        let postgres = try await PostgresStore.open(try Self.target(database), logger: .init(label: "test.pg"))
        do {
            let after = try await Reading(postgres)
            #expect(after == before)
            #expect(after.secret == "generated-secret-0123456789")
            #expect(after.summary.deadLettered == 1 && after.summary.held == 1)
            #expect(after.owedNet.contains { $0.target == "Bob" && $0.confirmedOffset == 7 })
            // Claims made before the move stay made.
            #expect(try await postgres.claimMatrixEvent("$cmd", account: "bot", at: t0.addingTimeInterval(5)) == false)
            #expect(try await postgres.claimMatrixEncryptionNotice(account: "bot", roomID: "!secret:hs", at: t0) == false)
            // New ids continue above the copied ones.
            let copiedLineIds = (before.linesPerTask.flatMap { $0 } + before.unsent + before.summary.oldestDeadLettered).compactMap(\.id)
            try await postgres.enqueue([OutboxLine(network: "net", target: "#Art", isChannel: true, text: "after the move",
                                                   style: "privmsg", createdAt: t0.addingTimeInterval(500))])
            let newLine = try #require(try await postgres.owedLines(network: "net").first { $0.text == "after the move" })
            #expect(try #require(newLine.id) > copiedLineIds.max() ?? .max)
            let newAudit = try await postgres.appendAudit(AuditEntry(account: nil, mask: "x!y@z", network: "net", channel: nil,
                                                                     command: "resume", target: nil, outcome: "ok", at: t0))
            #expect(try #require(newAudit.id) > before.audit.compactMap(\.id).max() ?? .max)
            let requester = JobRequester(identity: "account:erin", nick: "Erin", channelScopeKey: nil, day: Self.day)
            guard case .reserved(let reservation) = try await postgres.reserveJob(requester, at: t0.addingTimeInterval(40),
                                                                                  decide: { _ in nil as String? }) else {
                Issue.record("not reserved")
                await postgres.close()
                return
            }
            #expect(reservation.id > 2) // the two reservations made on SQLite had ids 1 and 2
            await postgres.close()
        } catch {
            await postgres.close()
            throw error
        }
        // The SQLite file was only read: it still answers as before, and it was not migrated
        // or changed in any other way.
        #expect(try await Reading(sqlite) == before)
    }

    @Test func idsOfPrunedNewestLinesAreNotHandedOutAgain() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.databasePath
        let sqlite = try SQLiteStore.open(path: path)
        try await sqlite.enqueue((0..<3).map {
            OutboxLine(network: "net", target: "#a", isChannel: true, text: "line \($0)", style: "privmsg", createdAt: t0)
        })
        for line in try await sqlite.unsentLines() { try await sqlite.markSent(lineId: try #require(line.id), at: t0) }
        try await sqlite.pruneSentLines(before: t0.addingTimeInterval(1))
        #expect(try await sqlite.unsentLines().isEmpty)
        let database = try await PostgresTestServer.shared.freshDatabase()
        _ = try await StoreCopy.copy(sqlitePath: path, to: try Self.target(database), logger: .init(label: "test.copy"))
        let postgres = try await PostgresStore.open(try Self.target(database), logger: .init(label: "test.pg"))
        try await postgres.enqueue([OutboxLine(network: "net", target: "#a", isChannel: true, text: "new", style: "privmsg",
                                               createdAt: t0)])
        let ids = try await postgres.unsentLines().compactMap(\.id)
        await postgres.close()
        #expect(ids == [4])
    }

    @Test func refusesWhileABotHoldsTheSQLiteLock() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.databasePath
        let sqlite = try SQLiteStore.open(path: path)
        try await sqlite.insert(makeTask("1"))
        let lock = try DatabaseLock.acquire(forDatabaseAt: path, pid: 4242)
        let database = try await PostgresTestServer.shared.freshDatabase()
        do {
            _ = try await StoreCopy.copy(sqlitePath: path, to: try Self.target(database), logger: .init(label: "test.copy"))
            Issue.record("copied while the lock was held")
        } catch let error as DatabaseLockError {
            #expect(error == .heldByAnother(path: DatabaseLock.lockPath(forDatabaseAt: path), pid: 4242))
            #expect("\(error)".contains("process 4242"))
        }
        withExtendedLifetime(lock) {}
        // Nothing was written to PostgreSQL (not even the schema: the lock is checked first).
        let postgres = try await PostgresStore.open(try Self.target(database), logger: .init(label: "test.pg"))
        let counts = try await postgres.rowCounts()
        await postgres.close()
        #expect(counts.allSatisfy { $0.rows == 0 })
    }

    @Test func refusesATargetThatHoldsDataAndLeavesItAsItWas() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.databasePath
        let sqlite = try SQLiteStore.open(path: path)
        try await sqlite.insert(makeTask("1"), lines: [OutboxLine(network: "net", target: "#a", isChannel: true, text: "hi",
                                                                  style: "privmsg", createdAt: t0)])
        let database = try await PostgresTestServer.shared.freshDatabase()
        let postgres = try await PostgresStore.open(try Self.target(database), logger: .init(label: "test.pg"))
        try await postgres.insert(makeTask("already-there"))
        _ = try await postgres.metaValue(forKey: "callbackSecret") { "the running bot's secret" }
        do {
            _ = try await StoreCopy.copy(sqlitePath: path, to: try Self.target(database), logger: .init(label: "test.copy"))
            Issue.record("copied into a database with data")
        } catch let error as PostgresStoreError {
            #expect(error == .targetNotEmpty([StoreTableCount(table: "task", rows: 1), StoreTableCount(table: "meta", rows: 1)]))
            #expect("\(error)".contains("task: 1 rows"))
        }
        #expect(try await postgres.pendingTasks().map(\.id) == ["already-there"])
        #expect(try await postgres.unsentLines().isEmpty)
        #expect(try await postgres.metaValue(forKey: "callbackSecret") == "the running bot's secret")
        await postgres.close()
    }

    @Test func aWrongPasswordIsNamedWithoutThePassword() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.databasePath
        _ = try SQLiteStore.open(path: path)
        let database = try await PostgresTestServer.shared.freshDatabase()
        var target = try Self.target(database)
        target.password = "not-the-password-\(UUID().uuidString)"
        do {
            _ = try await StoreCopy.copy(sqlitePath: path, to: target, logger: .init(label: "test.copy"))
            Issue.record("connected with a wrong password")
        } catch let error as PostgresStoreError {
            guard case .cannotConnect(let why) = error else { Issue.record("\(error)"); return }
            #expect(why.contains("password authentication failed"))
            #expect(!"\(error)".contains(target.password!))
            #expect(!"\(error)".contains(database.password))
        }
        // The lock was given back: a bot can start on the file again.
        _ = try DatabaseLock.acquire(forDatabaseAt: path)
    }

    @Test func anUnreachableServerIsNamed() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.databasePath
        _ = try SQLiteStore.open(path: path)
        // A port nothing listens on (the test server's, plus one, is not one PostgreSQL uses here).
        let target = PostgresStoreConfiguration(host: "127.0.0.1", port: 1, user: "nobody", database: "none", password: "x",
                                                tls: .disable)
        do {
            _ = try await StoreCopy.copy(sqlitePath: path, to: target, logger: .init(label: "test.copy"))
            Issue.record("connected to nothing")
        } catch let error as PostgresStoreError {
            guard case .cannotConnect(let why) = error else { Issue.record("\(error)"); return }
            #expect(why.hasPrefix("postgres://nobody@127.0.0.1:1/none"))
        }
    }

    @Test func aMissingFileOrAnotherKindOfFileIsRefusedUntouched() async throws {
        let directory = try TemporaryDirectory()
        let target = PostgresStoreConfiguration(host: "127.0.0.1", port: 1, user: "nobody", database: "none", tls: .disable)
        let missing = directory.url.appendingPathComponent("nothing.sqlite").path
        await #expect(throws: StoreError.self) {
            _ = try await StoreCopy.copy(sqlitePath: missing, to: target, logger: .init(label: "test.copy"))
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
        #expect(!FileManager.default.fileExists(atPath: DatabaseLock.lockPath(forDatabaseAt: missing)))

        let text = directory.url.appendingPathComponent("notes.txt").path
        try Data("not a database at all, just some text that is long enough to be read".utf8).write(to: URL(fileURLWithPath: text))
        do {
            _ = try SQLiteStore.copyOfFile(at: text)
            Issue.record("read a text file as a store")
        } catch let error as StoreError {
            guard case .notABotDatabase = error else { Issue.record("\(error)"); return }
        }

        // A SQLite database of something else.
        let other = directory.url.appendingPathComponent("other.sqlite").path
        try await Self.sqlite(other, "CREATE TABLE song (title TEXT)")
        do {
            _ = try SQLiteStore.copyOfFile(at: other)
            Issue.record("read a foreign database as a store")
        } catch let error as StoreError {
            guard case .notABotDatabase(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("no mjbridge schema"))
        }
    }

    @Test func aClosedWALDatabaseIsReadWithoutChangingIt() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.databasePath
        do {
            let sqlite = try SQLiteStore.open(path: path)
            #expect(try await sqlite.journalMode() == "wal")
            try await sqlite.insert(makeTask("1"), lines: [OutboxLine(network: "net", target: "#a", isChannel: true, text: "hi",
                                                                      style: "privmsg", createdAt: t0)])
        } // closed: SQLite checkpoints and removes -wal and -shm
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let snapshot = try await SQLiteStore.copyOfFile(at: path).snapshot()
        #expect(snapshot.tasks.map(\.id) == ["1"])
        #expect(snapshot.outbox.map(\.text) == ["hi"])
        // A read-only reader of a WAL database makes the -shm and (empty) -wal files it needs
        // and cannot remove them; the database itself is unchanged.
        let after = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
        #expect(Set(after).subtracting(files).isSubset(of: ["mjbridge.sqlite-shm", "mjbridge.sqlite-wal"]))
        #expect(Set(files).isSubset(of: after))
        if after.contains("mjbridge.sqlite-wal") {
            #expect(try Data(contentsOf: URL(fileURLWithPath: path + "-wal")).isEmpty)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
    }

    @Test func anOlderSchemaIsMigratedInTheCopyOnlyAndANewerOneIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.databasePath
        // A database as an mjbridge of the first schema left it, with a task and a line.
        try await Self.sqlite(path, """
            CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
            INSERT INTO grdb_migrations VALUES ('v1: tasks, outbox, meta');
            CREATE TABLE task (id TEXT PRIMARY KEY, network TEXT NOT NULL, channel TEXT, nick TEXT NOT NULL, account TEXT,
                scopeKey TEXT NOT NULL, nickKey TEXT NOT NULL, kind TEXT NOT NULL, action TEXT, prompt TEXT NOT NULL,
                status TEXT NOT NULL, statusRank INTEGER NOT NULL, progress INTEGER, isTerminal BOOLEAN NOT NULL DEFAULT 0,
                timedOut BOOLEAN NOT NULL DEFAULT 0, imageUrl TEXT, failReason TEXT, buttonsJSON TEXT, finalPrompt TEXT,
                parentId TEXT, createdAt DATETIME NOT NULL, updatedAt DATETIME NOT NULL, lastHeardAt DATETIME,
                deadline DATETIME NOT NULL, finishedAt DATETIME, progressNotifiedAt DATETIME, progressNotifiedLevel INTEGER);
            CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, network TEXT NOT NULL, target TEXT NOT NULL,
                channelKey TEXT, text TEXT NOT NULL, style TEXT NOT NULL, taskId TEXT, createdAt DATETIME NOT NULL, sentAt DATETIME);
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE INDEX task_scope_created ON task (scopeKey, createdAt);
            CREATE INDEX task_pending ON task (isTerminal);
            CREATE INDEX outbox_unsent ON outbox (sentAt, id);
            INSERT INTO task (id, network, channel, nick, scopeKey, nickKey, kind, prompt, status, statusRank, createdAt,
                updatedAt, deadline) VALUES ('old1', 'net', '#art', 'alice', 'net #art', 'alice', 'imagine', 'a fox',
                'SUBMITTED', 1, '2025-05-27 10:00:00.000', '2025-05-27 10:00:00.000', '2025-05-27 11:00:00.000');
            INSERT INTO outbox (network, target, channelKey, text, style, taskId, createdAt)
                VALUES ('net', '#art', '#art', 'queued', 'notice', 'old1', '2025-05-27 10:00:00.000');
            INSERT INTO meta VALUES ('callbackSecret', 'old-secret');
            """)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let snapshot = try await SQLiteStore.copyOfFile(at: path).snapshot()
        #expect(snapshot.tasks.map(\.id) == ["old1"])
        #expect(snapshot.outbox.map(\.text) == ["queued"])
        #expect(snapshot.meta == [StoreSnapshot.MetaValue(key: "callbackSecret", value: "old-secret")])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == original, "the source file was changed")

        try await Self.sqlite(path, "INSERT INTO grdb_migrations VALUES ('v99-from-the-future')")
        do {
            _ = try SQLiteStore.copyOfFile(at: path)
            Issue.record("read a newer schema")
        } catch let error as StoreError {
            guard case .newerSchema(_, let unknown) = error else { Issue.record("\(error)"); return }
            #expect(unknown == ["v99-from-the-future"])
        }
    }

    /// Runs SQL on a file through a plain GRDB queue (no mjbridge migrations).
    static func sqlite(_ path: String, _ sql: String) async throws {
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: sql) }
        try queue.close()
    }
}
