import Bridge
import Foundation
import Logging
import PostgresStore
import PostgresTestSupport
import Store
import Testing

/// `mjbridge migrate-store` round trip at the bridge's level: jobs submitted by a bridge on a
/// SQLite file, the file moved into the real PostgreSQL while the bot is stopped, and a bridge
/// on the PostgreSQL store finds the moved tasks pending and delivers their results, once.
@Suite(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct StoreMoveFlowTests {
    @Test func tasksPendingOnSQLiteAreDeliveredFromPostgresAfterTheMove() async throws {
        try await BridgeHarness.with(callbacks: false) { h in
            var refs: [String] = []
            for prompt in ["a red fox", "a blue whale"] {
                let before = await h.lines.count
                await h.say("!imagine \(prompt)")
                let ack = try #require(await h.lines(after: before).first, "no acknowledgement")
                refs.append(try #require(BridgeHarness.ref(in: ack), "no ref in \(ack)"))
            }
            #expect(try await h.store.pendingTasks().count == 2)
            // The bot stops; the proxy finishes both jobs meanwhile.
            await h.bridge.shutdown()
            await h.sim.runUntilIdle()

            let database = try await PostgresTestServer.shared.freshDatabase()
            var target = try PostgresStoreConfiguration(url: database.url, password: database.password)
            target.maximumConnections = 2
            let report = try await StoreCopy.copy(sqlitePath: h.directory.databasePath, to: target,
                                                  logger: Logger(label: "test.copy"))
            #expect(report.target.first { $0.table == "task" }?.rows == 2)

            let store = try await PostgresStore.open(target, logger: Logger(label: "test.pg"))
            #expect(try await store.pendingTasks().count == 2)
            let bridge = BridgeHarness.makeBridge(configuration: h.configuration, client: h.client, store: store,
                                                  transport: h.transport, fetcher: h.fetcher, clock: PollGate().clock(h.clock))
            let run = Task { try await bridge.run() }
            let moved = refs
            let delivered = await h.transport.waitUntil { sent in
                moved.allSatisfy { ref in sent.contains { $0.text.contains("✅") && $0.text.contains("ref \(ref)") } }
            }
            run.cancel()
            await bridge.deliverySettled()
            let pendingAfter = try await store.pendingTasks()
            let owedAfter = try await store.unsentLines()
            await bridge.shutdown()
            await store.close()

            #expect(delivered, "the moved tasks' results were not delivered")
            let texts = await h.transport.texts
            for ref in refs {
                let results = texts.filter { $0.contains("✅") && $0.contains("ref \(ref)") }
                #expect(results.count == 1, "\(ref): \(results)")
            }
            #expect(pendingAfter.isEmpty)
            #expect(owedAfter.isEmpty)
        }
    }
}
