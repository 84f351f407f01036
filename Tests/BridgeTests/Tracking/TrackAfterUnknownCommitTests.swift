import Foundation
import Logging
import Testing
@testable import Bridge
import PostgresStore
import PostgresTestSupport
import Store

/// The store lost its connection while the COMMIT recording an accepted job was in flight, and
/// the job was in fact saved with its acknowledgement: the tracker reads back what is there and
/// queues nothing twice (the product rule: nothing lost, nothing said twice). On the real
/// PostgreSQL, through a relay that cuts the connection after the server answered the COMMIT.
@Suite(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct TrackAfterUnknownCommitTests {
    @Test(.enabled(if: PostgresCommitRelay.reuseAfterCutEnabled, PostgresCommitRelay.reuseAfterCutReason))
    func anAcknowledgementWhoseCommitAnswerWasLostIsSaidOnce() async throws {
        let database = try await PostgresTestServer.shared.freshDatabase()
        let relay = try PostgresCommitRelay(serverPort: database.server.port)
        defer { relay.stop() }
        let url = "postgres://\(database.server.user)@127.0.0.1:\(relay.port)/\(database.name)?sslmode=disable"
        var storeConfiguration = try PostgresStoreConfiguration(url: url, password: database.password)
        storeConfiguration.maximumConnections = 4
        let store = try await PostgresStore.open(storeConfiguration, logger: Logger(label: "test.pg"))
        let transport = RecordingTransport()
        let clock = ManualClock()
        let configuration = BridgeConfiguration()
        let delivery = OutboxDelivery(store: store, transport: transport, now: { [clock] in clock.now }, logger: Logger(label: "test"))
        let tracker = TaskTracker(store: store, delivery: delivery, source: NoPollingExpected(), configuration: configuration,
                                  clock: clock.bridgeClock, logger: Logger(label: "test"))
        do {
            let id = "1748339029401828"
            let now = clock.now
            let route = TaskRoute(network: "net", channel: "#art", nick: "alice")
            let record = TaskRecord(id: id, route: route, kind: "imagine", prompt: "a red fox", status: "SUBMITTED", statusRank: 1,
                                    createdAt: now, deadline: now.addingTimeInterval(configuration.taskDeadline))
            let ack = OutboxLine(network: "net", target: "#art", isChannel: true, text: "alice: ⏳ a red fox · ref 1828",
                                 style: "privmsg", taskId: id, createdAt: now)
            relay.cutAfterNext("COMMIT")
            // Deadlines, not waits: see PostgresCommitOutcomeTests on PostgresNIO's pool.
            let finished = await returnsWithin(.seconds(120)) {
                do {
                    try await tracker.track(record, lines: [ack])
                    #expect(try await store.lines(forTask: id).map(\.text) == [ack.text])
                } catch {
                    Issue.record("track failed: \(error)")
                }
                await delivery.settled()
            }
            #expect(finished, "tracking and delivery did not end within 120 s")
            #expect(relay.cutCount == 1, "the insert's COMMIT answer was not cut: the test proved nothing")
            #expect(await transport.texts == [ack.text])
        }
        #expect(await returnsWithin(.seconds(60)) {
            await delivery.shutdown()
            await store.close()
        }, "the store did not close within 60 s")
    }

    /// The intent row of a submission committed although the store reported the outcome
    /// unknown: the user is told something went wrong and the job is not sent, so the row is
    /// closed (refused) rather than left open to be reported later as a job the bot lost track of.
    @Test(.enabled(if: PostgresCommitRelay.reuseAfterCutEnabled, PostgresCommitRelay.reuseAfterCutReason))
    func anIntentWhoseCommitAnswerWasLostIsNotLeftOpen() async throws {
        try await BridgeHarness.with(callbacks: false) { h in
            let database = try await PostgresTestServer.shared.freshDatabase()
            let relay = try PostgresCommitRelay(serverPort: database.server.port)
            defer { relay.stop() }
            let url = "postgres://\(database.server.user)@127.0.0.1:\(relay.port)/\(database.name)?sslmode=disable"
            var storeConfiguration = try PostgresStoreConfiguration(url: url, password: database.password)
            storeConfiguration.maximumConnections = 4
            let store = try await PostgresStore.open(storeConfiguration, logger: Logger(label: "test.pg"))
            let bridge = BridgeHarness.makeBridge(configuration: h.configuration, client: h.client, store: store,
                                                  transport: h.transport, fetcher: h.fetcher, clock: h.timers.bridgeClock(h.clock))
            relay.cutAfterTheCommitFollowing("INSERT INTO intent")
            // Deadlines, not waits: see PostgresCommitOutcomeTests on PostgresNIO's pool.
            #expect(await returnsWithin(.seconds(120)) {
                await bridge.handle(BridgeHarness.event("!imagine a red fox"))
                await bridge.deliverySettled()
            }, "the command did not end within 120 s")
            let cut = relay.cutCount
            var directConfiguration = try PostgresStoreConfiguration(url: database.url, password: database.password)
            directConfiguration.maximumConnections = 1
            let direct = try await PostgresStore.open(directConfiguration, logger: Logger(label: "test.pg"))
            let open = try await direct.openIntents(createdUpTo: Date().addingTimeInterval(86_400 * 365))
            await direct.close()
            #expect(await returnsWithin(.seconds(60)) {
                await bridge.shutdown()
                await store.close()
            }, "the bridge and store did not close within 60 s")
            #expect(cut == 1, "the intent's COMMIT answer was not cut: the test proved nothing")
            #expect(open.isEmpty, "left open: \(open.map(\.id))")
            let texts = await h.transport.texts
            #expect(texts.count == 1 && texts.first?.contains("Something went wrong") == true, "\(texts)")
        }
    }
}
