import Foundation
import GRDB
import Testing
@testable import Store

/// A directory under the system temp dir, removed when the test ends.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("storetests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    var databasePath: String { url.appendingPathComponent("mjbridge.sqlite").path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

let t0 = Date(timeIntervalSince1970: 1_748_339_000)
let art = TaskRoute(network: "net", channel: "#Art", nick: "Alice", account: "alice")

func makeTask(_ id: String, route: TaskRoute = art, at offset: TimeInterval = 0, status: String = "SUBMITTED",
              rank: Int = 1, terminal: Bool = false, kind: String = "imagine") -> TaskRecord {
    TaskRecord(id: id, route: route, kind: kind, prompt: "a red fox", status: status, statusRank: rank,
               isTerminal: terminal, createdAt: t0.addingTimeInterval(offset),
               deadline: t0.addingTimeInterval(offset + 900))
}

func line(_ text: String, task: String? = nil, target: String = "#Art") -> OutboxLine {
    OutboxLine(network: "net", target: target, isChannel: target.hasPrefix("#"), text: text, style: "privmsg",
               taskId: task, createdAt: t0)
}

@Suite struct StoreFileTests {
    @Test func fileDatabaseUsesWALAndSurvivesReopening() async throws {
        let dir = try TemporaryDirectory()
        do {
            let store = try SQLiteStore.open(path: dir.databasePath)
            #expect(try await store.journalMode() == "wal")
            try await store.insert(makeTask("1748339029401828"), lines: [line("ack", task: "1748339029401828")])
        }
        let reopened = try SQLiteStore.open(path: dir.databasePath)
        let task = try #require(try await reopened.task(id: "1748339029401828"))
        #expect(task.route == art)
        #expect(task.scopeKey == "net\u{1}#art")
        #expect(task.createdAt == t0)
        #expect(try await reopened.unsentLines().map(\.text) == ["ack"])
    }

    /// Issue 12: the database holds prompts, routes and the callback secret; nobody but the
    /// bot's user may read it, nor its WAL and shared-memory files. Real files, real stat.
    @Test func databaseAndWALAreCreatedOwnerOnly() async throws {
        let dir = try TemporaryDirectory()
        // With the usual umask (022) SQLite alone would create all three 0644.
        let store = try SQLiteStore.open(path: dir.databasePath)
        try await store.insert(makeTask("1748339029401828"), lines: [line("ack", task: "1748339029401828")])
        // The -wal and -shm files exist while a connection is open.
        try withExtendedLifetime(store) {
            for suffix in ["", "-wal", "-shm"] {
                let path = dir.databasePath + suffix
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                let mode = try #require(attributes[.posixPermissions] as? NSNumber).intValue
                #expect(mode & 0o777 == 0o600, "\(path): \(String(mode, radix: 8))")
            }
        }
    }

    @Test func anExistingDatabaseIsOpenedAsItIs() async throws {
        let dir = try TemporaryDirectory()
        do { _ = try SQLiteStore.open(path: dir.databasePath) }
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: dir.databasePath)
        let reopened = try SQLiteStore.open(path: dir.databasePath)
        #expect(try await reopened.journalMode() == "wal")
        let mode = try #require(FileManager.default.attributesOfItem(atPath: dir.databasePath)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & 0o777 == 0o640)
    }

    @Test func unwritableLocationIsAClearError() {
        #expect(throws: StoreError.self) {
            _ = try SQLiteStore.open(path: "/proc/definitely/not/here.sqlite")
        }
    }

}

/// Meta values on any store; "a restart" is a second store on the same storage.
@Suite struct StoreMetaTests {
    @Test(arguments: StoreKind.all)
    func generatedSettingIsStableAcrossRestarts(_ kind: StoreKind) async throws {
        try await kind.withSharedStorage { open in
            let first = try await open().metaValue(forKey: "callbackSecret", orInsert: { "s3cret" })
            let second = try await open().metaValue(forKey: "callbackSecret", orInsert: { "other" })
            #expect(first == "s3cret")
            #expect(second == "s3cret")
            let store = try await open()
            #expect(try await store.metaValue(forKey: "nothing") == nil)
            try await store.setMetaValue("v1", forKey: "k")
            try await store.setMetaValue("v2", forKey: "k")
            #expect(try await store.metaValue(forKey: "k") == "v2")
            #expect(try await store.metaValue(forKey: "k", orInsert: { "v3" }) == "v2")
        }
    }
}

@Suite struct StoreTaskTests {
    @Test(arguments: StoreKind.all)
    func insertingAnExistingIdFails(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insert(makeTask("1"))
            await #expect(throws: (any Error).self) { try await store.insert(makeTask("1"), lines: [line("ack", task: "1")]) }
            #expect(try await store.lines(forTask: "1").isEmpty, "nothing of the failed insert stays")
            await #expect(throws: (any Error).self) { try await store.insertAll([makeTask("2"), makeTask("1")]) }
            #expect(try await store.task(id: "2") == nil, "insertAll is one transaction")
        }
    }

    @Test(arguments: StoreKind.all)
    func updateWritesTaskAndLinesTogether(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insert(makeTask("100"))
            let result = try await store.update(taskId: "100") { task, lines in
                task.status = "SUCCESS"
                task.statusRank = 4
                task.isTerminal = true
                lines.append(line("done", task: "100"))
                return "applied"
            }
            #expect(result == "applied")
            let task = try #require(try await store.task(id: "100"))
            #expect(task.status == "SUCCESS")
            #expect(task.isTerminal)
            #expect(try await store.lines(forTask: "100").map(\.text) == ["done"])
            #expect(try await store.update(taskId: "nope") { _, _ in 1 } == nil)
            #expect(try await store.pendingTasks().isEmpty)
        }
    }

    /// A record comes back as it was written, every field (the PostgreSQL store keeps it as JSON).
    @Test(arguments: StoreKind.all)
    func aTaskRoundTripsWithEveryField(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            var task = makeTask("1748339029401828", route: TaskRoute(network: "net", channel: "#Art", nick: "Alice", account: "alice",
                                                                     replyTo: ReplyReference(eventID: "$e", threadRoot: "$root", userID: "@alice:example.org")))
            task.action = "IMAGINE"
            task.progress = 42
            task.imageUrl = "https://example.org/i.png"
            task.failReason = "💥 no"
            task.buttonsJSON = #"[{"customId":"MJ::JOB::upsample::1"}]"#
            task.finalPrompt = "a red fox --v 7"
            task.parentId = "1748339029400000"
            task.lastHeardAt = t0.addingTimeInterval(3)
            task.finishedAt = t0.addingTimeInterval(4)
            task.progressNotifiedAt = t0.addingTimeInterval(2)
            task.progressNotifiedLevel = 25
            task.userKey = "acct:alice"
            task.timedOut = true
            try await store.insert(task)
            #expect(try await store.task(id: task.id) == task)
            #expect(try await store.tasks(ids: [task.id, "missing", task.id]) == [task.id: task])
            #expect(try await store.tasks(ids: []).isEmpty)
        }
    }

    @Test(arguments: StoreKind.all)
    func pendingTasksAreTheNonTerminalOnesOldestFirst(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insert(makeTask("3", at: 30))
            try await store.insert(makeTask("1", at: 10))
            try await store.insert(makeTask("2", at: 20, status: "SUCCESS", rank: 4, terminal: true))
            try await store.insert(makeTask("0", at: 10))
            #expect(try await store.pendingTasks().map(\.id) == ["0", "1", "3"])
            #expect(try await store.recentTasks(scopeKey: art.scopeKey, limit: 3).map(\.id) == ["3", "2", "1"])
        }
    }

    @Test(arguments: StoreKind.all)
    func callerTasksMatchNickCaseInsensitivelyOrAccount(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insert(makeTask("1", at: 1))
            try await store.insert(makeTask("2", route: TaskRoute(network: "net", channel: "#art", nick: "bob"), at: 2))
            try await store.insert(makeTask("3", route: TaskRoute(network: "net", channel: "#ART", nick: "alice_", account: "alice"), at: 3))
            try await store.insert(makeTask("4", route: TaskRoute(network: "net", channel: "#other", nick: "alice"), at: 4))
            let byNick = TaskRoute(network: "net", channel: "#art", nick: "ALICE")
            #expect(try await store.tasks(of: byNick, limit: 10).map(\.id) == ["1"])
            #expect(try await store.tasks(of: art, limit: 10).map(\.id) == ["3", "1"])
            #expect(try await store.tasks(of: art, limit: 1).map(\.id) == ["3"])
            let latestSubmitted = try await store.mostRecentTask(of: art) { $0.id != "3" }
            #expect(latestSubmitted?.id == "1")
        }
    }
}

@Suite struct StoreReferenceTests {
    @Test func shortReferenceIsTheShortestUniqueSuffix() {
        #expect(ShortReference.make(for: "1748339029401828", among: []) == "1828")
        #expect(ShortReference.make(for: "1748339029401828", among: ["1748339029491828"]) == "01828")
        #expect(ShortReference.make(for: "1748339029401828", among: ["1748339029401828"]) == "1828")
        #expect(ShortReference.make(for: "123", among: ["0123"]) == "123")
        #expect(ShortReference.make(for: "91828", among: ["81828", "1828"]) == "91828")
    }

    @Test(arguments: StoreKind.all)
    func referencesResolveBySuffixWithinTheConversation(_ kind: StoreKind) async throws {
        try await kind.withStore { store in try await Self.referencesResolve(store) }
    }

    /// `updateTask` hands `body` the same short reference, read only when asked.
    @Test(arguments: StoreKind.all)
    func updateTaskGivesTheShortReference(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insert(makeTask("1748339029401828", at: 1))
            try await store.insert(makeTask("1748339029491828", at: 2))
            let said = try await store.updateTask(id: "1748339029401828") { task, lines, reference in
                task.progress = 10
                lines.append(line("ref \(reference())", task: task.id))
                return reference()
            }
            #expect(said == "01828")
            #expect(try await store.lines(forTask: "1748339029401828").map(\.text) == ["ref 01828"])
            #expect(try await store.task(id: "1748339029401828")?.progress == 10)
            let quiet = try await store.updateTask(id: "1748339029491828") { _, _, _ in "no ref" }
            #expect(quiet == "no ref")
            let batch = try await store.updateTasks(ids: ["1748339029491828", "none", "1748339029491828"]) { position, task, lines, reference in
                task.progress = (task.progress ?? 0) + 1
                if position == 2 { lines.append(line("batch \(reference())", task: task.id)) }
                return "\(position):\(task.progress ?? 0)"
            }
            #expect(batch == ["0:1", nil, "2:2"], "a repeated id sees the previous change")
            #expect(try await store.lines(forTask: "1748339029491828").map(\.text) == ["batch 91828"])
            #expect(try await store.updateTasks(ids: []) { _, _, _, _ in 0 }.isEmpty)
        }
    }

    static func referencesResolve(_ store: any BotStore) async throws {
        try await store.insert(makeTask("1748339029401828", at: 1))
        try await store.insert(makeTask("1748339029491828", at: 2))
        try await store.insert(makeTask("1748339029405555", at: 3))
        try await store.insert(makeTask("1748339029407777", route: TaskRoute(network: "net", channel: "#elsewhere", nick: "bob"), at: 4))
        let scope = art.scopeKey
        guard case .found(let byFullId) = try await store.resolveReference("1748339029401828", scopeKey: scope, network: "net") else {
            Issue.record("full id not found"); return
        }
        #expect(byFullId.id == "1748339029401828")
        guard case .found(let bySuffix) = try await store.resolveReference("5555", scopeKey: scope, network: "net") else {
            Issue.record("suffix not found"); return
        }
        #expect(bySuffix.id == "1748339029405555")
        guard case .ambiguous(let both) = try await store.resolveReference("1828", scopeKey: scope, network: "net") else {
            Issue.record("not ambiguous"); return
        }
        #expect(both.map(\.id) == ["1748339029491828", "1748339029401828"])
        // Another channel's task is reachable by its full id only, and only on its network.
        #expect(try await store.resolveReference("7777", scopeKey: scope, network: "net") == .notFound)
        if case .found = try await store.resolveReference("1748339029407777", scopeKey: scope, network: "net") {} else {
            Issue.record("full id of another channel's task not found")
        }
        #expect(try await store.resolveReference("1748339029407777", scopeKey: scope, network: "othernet") == .notFound)
        let first = try #require(try await store.task(id: "1748339029401828"))
        #expect(try await store.shortReference(for: first) == "01828")
        let fifth = try #require(try await store.task(id: "1748339029405555"))
        #expect(try await store.shortReference(for: fifth) == "5555")
    }
}

@Suite struct StoreOutboxTests {
    @Test(arguments: StoreKind.all)
    func linesAreSentOnceInOrder(_ kind: StoreKind) async throws {
        try await kind.withSharedStorage { open in
            let store = try await open()
            try await store.enqueue([line("one"), line("two", target: "alice"), line("three")])
            try await store.enqueue([])
            let unsent = try await store.unsentLines()
            #expect(unsent.map(\.text) == ["one", "two", "three"])
            #expect(unsent.map { $0.id ?? 0 } == unsent.map { $0.id ?? 0 }.sorted() && Set(unsent.map(\.id)).count == 3)
            #expect(unsent[0].channelKey == "#art")
            #expect(unsent[1].channelKey == nil)
            #expect(unsent[0] == { var expected = line("one"); expected.id = unsent[0].id; return expected }())
            let id = try #require(unsent[1].id)
            #expect(try await store.markSent(lineId: id, at: t0))
            #expect(try await store.markSent(lineId: id, at: t0) == false)
            let reopened = try await open()
            #expect(try await reopened.unsentLines().map(\.text) == ["one", "three"])
            try await reopened.pruneSentLines(before: t0)
            #expect(try await reopened.lines(forTask: "none").isEmpty)
            #expect(try await reopened.isOwed(lineId: id) == false)
            try await reopened.pruneSentLines(before: t0.addingTimeInterval(1))
            #expect(try await reopened.unsentLines().count == 2)
        }
    }

    @Test(arguments: StoreKind.all)
    func anyNewerLineAboutATaskSupersedesItsUnsentProgress(_ kind: StoreKind) async throws {
        try await kind.withStore { store in try await Self.supersession(store) }
    }

    static func supersession(_ store: any BotStore) async throws {
        var progress = line("at 25 %", task: "1")
        progress.isProgress = true
        try await store.insert(makeTask("1"), lines: [line("ack", task: "1"), progress])
        try await store.enqueue([line("unrelated", task: "2")])
        #expect(try await store.unsentLines().map(\.text) == ["ack", "at 25 %", "unrelated"])
        let later = OutboxLine(network: "net", target: "#Art", isChannel: true, text: "at 50 %", style: "privmsg",
                               taskId: "1", isProgress: true, createdAt: t0)
        _ = try await store.update(taskId: "1") { _, lines in lines = [later] }
        #expect(try await store.unsentLines().map(\.text) == ["ack", "unrelated", "at 50 %"])
        _ = try await store.update(taskId: "1") { _, lines in lines = [line("✅ done", task: "1")] }
        // The acknowledgement is never superseded; the stale progress is.
        #expect(try await store.unsentLines().map(\.text) == ["ack", "unrelated", "✅ done"])
    }
}

@Suite struct StoreMigrationTests {
    @Test func aVersion1FileIsMigratedWithItsContent() async throws {
        let dir = try TemporaryDirectory()
        do {
            let queue = try DatabaseQueue(path: dir.databasePath)
            try StoreMigrations.migrator.migrate(queue, upTo: "v1: tasks, outbox, meta")
            try await queue.write { db in
                try db.execute(sql: """
                    INSERT INTO outbox(network, target, channelKey, text, style, taskId, createdAt)
                    VALUES ('net', '#art', '#art', 'owed before the upgrade', 'privmsg', '1', '2026-05-27 10:00:00.000')
                    """)
            }
        }
        let store = try SQLiteStore.open(path: dir.databasePath)
        let owed = try await store.unsentLines()
        #expect(owed.map(\.text) == ["owed before the upgrade"])
        #expect(owed.first?.isProgress == false)
    }
}

@Suite struct StoreChannelSettingTests {
    @Test(arguments: StoreKind.all)
    func settingsAreKeptPerFoldedChannelAcrossReopening(_ kind: StoreKind) async throws {
        try await kind.withSharedStorage { open in try await Self.settings(open) }
    }

    static func settings(_ open: @Sendable () async throws -> any BotStore) async throws {
        do {
            let store = try await open()
            #expect(try await store.channelSettings().isEmpty)
            try await store.updateChannelSetting(network: "net", channel: "#Art[1]", at: t0) { $0.progress = "quarter" }
            try await store.updateChannelSetting(network: "net", channel: "#art{1}", at: t0.addingTimeInterval(5)) { setting in
                setting.membership = .joined
                setting.joinKey = "sesame"
            }
            try await store.updateChannelSetting(network: "other", channel: "#art[1]", at: t0) { $0.membership = .parted }
        }
        let settings = try await open().channelSettings()
        #expect(settings.count == 2)
        let art = try #require(settings.first { $0.network == "net" })
        #expect(art.channel == "#art{1}" && art.channelKey == "#art{1}")
        #expect(art.progress == "quarter" && art.membership == .joined && art.joinKey == "sesame")
        #expect(art.updatedAt == t0.addingTimeInterval(5))
        #expect(settings.first { $0.network == "other" }?.membership == .parted)
        #expect(settings.map(\.network) == ["net", "other"], "ordered by network")
    }
}

@Suite struct StoreSuffixLookupTests {
    @Test(arguments: StoreKind.all)
    func tasksEndingWithASuffixAcrossConversationsNewestFirstWithinTheWindow(_ kind: StoreKind) async throws {
        try await kind.withStore { store in try await Self.suffixLookup(store) }
    }

    static func suffixLookup(_ store: any BotStore) async throws {
        let other = TaskRoute(network: "net", channel: "#other", nick: "Bob")
        let elsewhere = TaskRoute(network: "net2", channel: "#Art", nick: "Alice")
        try await store.insertAll([
            makeTask("1748339029401828", at: 0),
            makeTask("1748339029411828", route: other, at: 10),
            makeTask("1748339029421828", route: elsewhere, at: 20),
            makeTask("1748339029431829", route: other, at: 30),
        ])
        let found = try await store.tasks(endingWith: "1828", network: "net", window: 100, limit: 10)
        #expect(found.map(\.id) == ["1748339029411828", "1748339029401828"])
        #expect(try await store.tasks(endingWith: "401828", network: "net", window: 100, limit: 10).map(\.id) == ["1748339029401828"])
        #expect(try await store.tasks(endingWith: "1828", network: "net", window: 100, limit: 1).map(\.id) == ["1748339029411828"])
        // Only the newest `window` tasks are looked at (of all networks): here two, neither fits.
        #expect(try await store.tasks(endingWith: "1828", network: "net", window: 2, limit: 10).isEmpty)
        #expect(try await store.tasks(endingWith: "1748339029401828", network: "net", window: 100, limit: 10).count == 1)
        #expect(try await store.tasks(endingWith: "91748339029401828", network: "net", window: 100, limit: 10).isEmpty)
        #expect(try await store.tasks(endingWith: "", network: "net", window: 100, limit: 10).isEmpty)
    }

    /// No index finds a suffix: the lookup walks the `createdAt` index newest first and stops
    /// after `window` rows, never reading the table in storage order.
    @Test func theSuffixLookupIsABoundedWalkOfTheCreatedAtIndex() async throws {
        let dir = try TemporaryDirectory()
        let log = StatementLog()
        let store = try SQLiteStore.open(path: dir.databasePath, statementObserver: { log.append($0) })
        try await store.insertAll((0..<50).map { makeTask(String(1_748_339_000_000_000 + $0), at: Double($0)) })
        _ = log.take()
        _ = try await store.tasks(endingWith: "0007", network: "net", window: 20, limit: 5)
        let sql = try #require(log.take().first { $0.contains("substr(id") })
        let plan = try await DatabaseQueue(path: dir.databasePath).read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: [20, "net", -4, "0007", 5]).map { $0["detail"] as String }
        }
        #expect(plan.contains("SCAN task USING INDEX task_created"), "\(plan)")
        #expect(!plan.contains("SCAN task"), "no walk in storage order: \(plan)")
        #expect(sql.contains("LIMIT"), "\(sql)")
    }
}
