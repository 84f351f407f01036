import Foundation
@testable import PostgresStore
import PostgresTestSupport
import Store
import Testing

/// Several bot processes on one PostgreSQL database (issue 10): what SQLite got from its single
/// writer must hold across processes. Each "process" is a `PostgresStore` with its own pool on
/// the same database; they write at the same moment and nothing may be lost or doubled.
@Suite(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct PostgresStoreConcurrencyTests {
    /// Two processes, twenty read-modify-writes each on one task: every one is applied (a lost
    /// update would leave the counter short), each with its line.
    @Test func concurrentUpdatesOfOneTaskAreAllApplied() async throws {
        try await StoreKind.postgres.withSharedStorage { open in
            let (a, b) = (try await open(), try await open())
            try await a.insert(makeTask("1748339029401828"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, store) in [a, b].enumerated() {
                    group.addTask {
                        for n in 0..<20 {
                            let done = try await store.update(taskId: "1748339029401828") { task, lines in
                                task.progress = (task.progress ?? 0) + 1
                                lines.append(line("p\(index)-\(n)", task: task.id))
                                return true
                            }
                            #expect(done == true)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await b.task(id: "1748339029401828")?.progress == 40)
            #expect(try await a.lines(forTask: "1748339029401828").count == 40)
        }
    }

    /// Poll batches over the same tasks in opposite orders from two processes: the rows are
    /// locked in one order, so neither waits for the other forever, and all changes count.
    /// (The retry counter proves no deadlock was hidden by the store's retry.)
    @Test func overlappingBatchesInOppositeOrdersAllApply() async throws {
        try await StoreKind.postgres.withSharedStorage { open in
            let (a, b) = (try await open(), try await open())
            let ids = (0..<8).map { String(1_748_339_000_000_000 + $0) }
            try await a.insertAll(ids.map { makeTask($0) })
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (store, order) in [(a, ids), (b, Array(ids.reversed()))] {
                    group.addTask {
                        for _ in 0..<10 {
                            let results = try await store.updateTasks(ids: order) { _, task, _, reference in
                                task.progress = (task.progress ?? 0) + 1
                                return reference()
                            }
                            #expect(results.allSatisfy { $0 != nil })
                        }
                    }
                }
                try await group.waitForAll()
            }
            let tasks = try await a.tasks(ids: ids)
            #expect(tasks.values.map { $0.progress ?? 0 } == Array(repeating: 20, count: 8))
            // The store retries a deadlock silently; none may have happened.
            let retries = try #require(a as? PostgresStore).retries + (try #require(b as? PostgresStore).retries)
            #expect(retries == 0, "\(retries) deadlocks or serialization failures retried")
        }
    }

    /// Four processes queue progress lines about the same five tasks at the same moment
    /// (outside a task update, several tasks per transaction): each line supersedes what came
    /// before, so exactly one progress line per task stays owed.
    @Test func concurrentProgressLinesLeaveOneOwedPerTask() async throws {
        try await StoreKind.postgres.withSharedStorage { open in
            var stores: [any BotStore] = []
            for _ in 0..<4 { stores.append(try await open()) }
            let ids = (1...5).map(String.init)
            for id in ids { try await stores[0].insert(makeTask(id), lines: [line("ack \(id)", task: id)]) }
            // Rounds of four transactions started together: a later line supersedes every
            // earlier one, so only transactions that overlap can leave two owed; check each round.
            for n in 0..<12 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, store) in stores.enumerated() {
                        group.addTask {
                            try await store.enqueue(ids.map { id in
                                var progress = line("\(id) at \(n) % from \(index)", task: id)
                                progress.isProgress = true
                                return progress
                            })
                        }
                    }
                    try await group.waitForAll()
                }
                for id in ids {
                    let owed = try await stores[1].lines(forTask: id).filter { $0.sentAt == nil }
                    #expect(owed.map(\.isProgress) == [false, true], "round \(n), task \(id): \(owed.map(\.text))")
                }
            }
            #expect(try await stores[2].unsentLines().count == 10)
        }
    }

    /// Two deliverers in two processes mark one line: exactly one of them gets true.
    @Test func aLineIsMarkedSentByOneProcessOnly() async throws {
        try await StoreKind.postgres.withSharedStorage { open in
            let (a, b) = (try await open(), try await open())
            try await a.enqueue((0..<20).map { line("l\($0)") })
            let ids = try await a.unsentLines().compactMap(\.id)
            let wins = try await withThrowingTaskGroup(of: Int.self) { group in
                for store in [a, b] {
                    group.addTask {
                        var won = 0
                        for id in ids {
                            if try await store.markSent(lineId: id, at: t0) { won += 1 }
                        }
                        return won
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(wins == 20)
            #expect(try await b.unsentLines().isEmpty)
        }
    }

    /// Tasks whose ids end alike, recorded by two processes at the same moment in one channel:
    /// once both are in, each has its own longer reference, and each reference (from either
    /// process) resolves to its task — never to the other one.
    @Test func shortReferencesStayUniqueWhenTwoProcessesInsertAtOnce() async throws {
        try await StoreKind.postgres.withSharedStorage { open in
            let (a, b) = (try await open(), try await open())
            let ids = (0..<10).map { String(1_748_339_000_000_000 + $0 * 100_000 + 1828) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (offset, store) in [a, b].enumerated() {
                    group.addTask {
                        for (n, id) in ids.enumerated() where n % 2 == offset {
                            try await store.insert(makeTask(id, at: Double(n)), lines: [line("ack", task: id)])
                        }
                    }
                }
                try await group.waitForAll()
            }
            var references: [String: String] = [:]
            for (n, id) in ids.enumerated() {
                let store = n % 2 == 0 ? b : a
                let task = try #require(try await store.task(id: id))
                let reference = try await store.shortReference(for: task)
                #expect(reference.count > ShortReference.minimumLength, "\(id) → \(reference)")
                references[id] = reference
                let said = try await store.updateTask(id: id) { _, _, reference in reference() }
                #expect(said == reference)
                for resolver in [a, b] {
                    #expect(try await resolver.resolveReference(reference, scopeKey: art.scopeKey, network: "net") == .found(task))
                }
            }
            #expect(Set(references.values).count == ids.count)
        }
    }

    /// Three processes change one channel's setting for the first time at once (`!progress`
    /// on one, `!join` on another, a key on the third): every change is kept.
    @Test func firstChannelSettingsFromThreeProcessesAreAllKept() async throws {
        try await StoreKind.postgres.withSharedStorage { open in
            var stores: [any BotStore] = []
            for _ in 0..<3 { stores.append(try await open()) }
            let changes: [@Sendable (inout ChannelSetting) -> Void] = [
                { $0.progress = "quarter" },
                { $0.membership = .joined },
                { $0.joinKey = "sesame" },
            ]
            for round in 0..<20 {
                let channel = "#room\(round)"
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (store, change) in zip(stores, changes) {
                        group.addTask {
                            try await store.updateChannelSetting(network: "net", channel: channel.uppercased(), at: t0, change)
                        }
                    }
                    try await group.waitForAll()
                }
                let setting = try #require(try await stores[0].channelSettings().first { $0.channelKey == channel })
                #expect(setting.progress == "quarter" && setting.membership == .joined && setting.joinKey == "sesame",
                        "round \(round): \(setting)")
            }
            #expect(try await stores[1].channelSettings().count == 20)
        }
    }

    /// Ten processes starting together each generate the callback secret: one is kept and all
    /// of them use it.
    @Test func oneGeneratedSecretWinsForAllProcesses() async throws {
        try await StoreKind.postgres.withSharedStorage { open in
            var stores: [any BotStore] = []
            for _ in 0..<10 { stores.append(try await open()) }
            let values = try await withThrowingTaskGroup(of: String.self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask { try await store.metaValue(forKey: "callbackSecret", orInsert: { "secret-\(index)" }) }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(values.count == 1)
            #expect(try await stores[0].metaValue(forKey: "callbackSecret") == values.first)
        }
    }

    /// Retention on one process while another queues a result line for the finished task:
    /// whichever commits first, the owed line is never deleted.
    @Test func retentionNeverDeletesALineQueuedMeanwhile() async throws {
        try await StoreKind.postgres.withSharedStorage { open in
            let (a, b) = (try await open(), try await open())
            for round in 0..<10 {
                let id = String(1_748_339_000_000_000 + round)
                var task = makeTask(id, status: "SUCCESS", rank: 9, terminal: true)
                task.finishedAt = t0
                try await a.insert(task)
                async let pruned = a.pruneFinishedTasks(before: t0.addingTimeInterval(86400))
                async let queued: Void = b.enqueue([line("late result \(round)", task: id)])
                let (count, _) = try await (pruned, queued)
                let owed = try await a.unsentLines().map(\.text)
                #expect(owed.contains("late result \(round)"), "round \(round), pruned \(count): \(owed)")
                // When the task stayed, it is because its line is owed.
                if count == 0 { #expect(try await a.task(id: id) != nil) }
            }
        }
    }

    /// A late callback adopting the task on one process while reconciliation declares its
    /// intent lost on another: the intent ends accepted either way, and the user hears of
    /// the loss only if it was declared before the task came.
    @Test func anIntentAcceptedAndDeclaredLostAtOnceEndsAccepted() async throws {
        try await StoreKind.postgres.withSharedStorage { open in
            let (a, b) = (try await open(), try await open())
            for round in 0..<10 {
                let intentId = "in-\(round)"
                let taskId = String(1_748_339_100_000_000 + round)
                try await a.recordIntent(IntentRecord(id: intentId, route: art, kind: "imagine", prompt: "fox", createdAt: t0))
                async let accepted: Void = a.insert(makeTask(taskId), lines: [], acceptingIntent: intentId, at: t0.addingTimeInterval(1))
                async let lost = b.declareIntentLost(id: intentId, at: t0.addingTimeInterval(2), lines: [line("lost \(round)")])
                let (_, declared) = try await (accepted, lost)
                let intent = try #require(try await a.intent(id: intentId))
                #expect(intent.state == .accepted && intent.acceptedTaskIds == [taskId])
                #expect(try await a.unsentLines().contains { $0.text == "lost \(round)" } == declared)
            }
        }
    }
}
