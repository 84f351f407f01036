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

    @Test func generatedSettingIsStableAcrossRestarts() async throws {
        let dir = try TemporaryDirectory()
        let first = try await SQLiteStore.open(path: dir.databasePath).metaValue(forKey: "callbackSecret", orInsert: { "s3cret" })
        let second = try await SQLiteStore.open(path: dir.databasePath).metaValue(forKey: "callbackSecret", orInsert: { "other" })
        #expect(first == "s3cret")
        #expect(second == "s3cret")
    }
}

@Suite struct StoreTaskTests {
    @Test func insertingAnExistingIdFails() async throws {
        let store = try SQLiteStore.inMemory()
        try await store.insert(makeTask("1"))
        await #expect(throws: (any Error).self) { try await store.insert(makeTask("1")) }
    }

    @Test func updateWritesTaskAndLinesTogether() async throws {
        let store = try SQLiteStore.inMemory()
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
    }

    @Test func pendingTasksAreTheNonTerminalOnesOldestFirst() async throws {
        let store = try SQLiteStore.inMemory()
        try await store.insert(makeTask("3", at: 30))
        try await store.insert(makeTask("1", at: 10))
        try await store.insert(makeTask("2", at: 20, status: "SUCCESS", rank: 4, terminal: true))
        #expect(try await store.pendingTasks().map(\.id) == ["1", "3"])
    }

    @Test func callerTasksMatchNickCaseInsensitivelyOrAccount() async throws {
        let store = try SQLiteStore.inMemory()
        try await store.insert(makeTask("1", at: 1))
        try await store.insert(makeTask("2", route: TaskRoute(network: "net", channel: "#art", nick: "bob"), at: 2))
        try await store.insert(makeTask("3", route: TaskRoute(network: "net", channel: "#ART", nick: "alice_", account: "alice"), at: 3))
        try await store.insert(makeTask("4", route: TaskRoute(network: "net", channel: "#other", nick: "alice"), at: 4))
        let byNick = TaskRoute(network: "net", channel: "#art", nick: "ALICE")
        #expect(try await store.tasks(of: byNick, limit: 10).map(\.id) == ["1"])
        #expect(try await store.tasks(of: art, limit: 10).map(\.id) == ["3", "1"])
        let latestSubmitted = try await store.mostRecentTask(of: art) { $0.id != "3" }
        #expect(latestSubmitted?.id == "1")
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

    @Test func referencesResolveBySuffixWithinTheConversation() async throws {
        let store = try SQLiteStore.inMemory()
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
    }
}

@Suite struct StoreOutboxTests {
    @Test func linesAreSentOnceInOrder() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore.open(path: dir.databasePath)
        try await store.enqueue([line("one"), line("two", target: "alice"), line("three")])
        let unsent = try await store.unsentLines()
        #expect(unsent.map(\.text) == ["one", "two", "three"])
        #expect(unsent[0].channelKey == "#art")
        #expect(unsent[1].channelKey == nil)
        let id = try #require(unsent[1].id)
        #expect(try await store.markSent(lineId: id, at: t0))
        #expect(try await store.markSent(lineId: id, at: t0) == false)
        let reopened = try SQLiteStore.open(path: dir.databasePath)
        #expect(try await reopened.unsentLines().map(\.text) == ["one", "three"])
        try await reopened.pruneSentLines(before: t0.addingTimeInterval(1))
        #expect(try await reopened.unsentLines().count == 2)
    }

    @Test func anyNewerLineAboutATaskSupersedesItsUnsentProgress() async throws {
        let store = try SQLiteStore.inMemory()
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
    @Test func settingsAreKeptPerFoldedChannelAcrossReopening() async throws {
        let dir = try TemporaryDirectory()
        do {
            let store = try SQLiteStore.open(path: dir.databasePath)
            #expect(try await store.channelSettings().isEmpty)
            try await store.updateChannelSetting(network: "net", channel: "#Art[1]", at: t0) { $0.progress = "quarter" }
            try await store.updateChannelSetting(network: "net", channel: "#art{1}", at: t0.addingTimeInterval(5)) { setting in
                setting.membership = .joined
                setting.joinKey = "sesame"
            }
            try await store.updateChannelSetting(network: "other", channel: "#art[1]", at: t0) { $0.membership = .parted }
        }
        let settings = try await SQLiteStore.open(path: dir.databasePath).channelSettings()
        #expect(settings.count == 2)
        let art = try #require(settings.first { $0.network == "net" })
        #expect(art.channel == "#art{1}" && art.channelKey == "#art{1}")
        #expect(art.progress == "quarter" && art.membership == .joined && art.joinKey == "sesame")
        #expect(art.updatedAt == t0.addingTimeInterval(5))
        #expect(settings.first { $0.network == "other" }?.membership == .parted)
    }
}

@Suite struct StoreSuffixLookupTests {
    @Test func tasksEndingWithASuffixAcrossConversationsNewestFirstWithinTheWindow() async throws {
        let store = try SQLiteStore.inMemory()
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
