import Foundation
import Logging
import PostgresNIO
@testable import Bridge
@testable import PostgresStore
import PostgresTestSupport
import Store
import Synchronization
import Testing

/// The delivery worker claiming its lines through the database (real PostgreSQL of
/// Scripts/pg-testnet, real ownership sessions): what the database says about the hold wins
/// over what the process believes, and a line passed over because its row was locked goes out
/// soon after, in order, with nothing else waking the worker.
@Suite(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct OutboxClaimDeliveryTests {
    let logger = Logger(label: "test.claim-delivery")

    /// A process that believes it holds `network` (its fence always says yes), whose lock
    /// session is `session`: whether that session holds the lock is the database's business.
    struct BelievedHolding: NetworkHolding {
        final class Refusals: Sendable {
            let networks = Mutex<[String]>([])
        }

        let session: PostgresOwnershipSession
        let network: String
        let refusals = Refusals()
        func claimRefused(_ name: String) async { refusals.networks.withLock { $0.append(name) } }
        func holds(_ name: String) async -> Bool { name == network }
        func mayDeliver(_ name: String) async -> Bool { name == network }
        func claimant(for name: String) async -> OutboxClaimant? { name == network ? session.claimant(for: name) : nil }
        func wakeHolder(of network: String) async {}
        func report() async -> String { "" }
    }

    func open() async throws -> (PostgresStore, PostgresStoreConfiguration) {
        let database = try await PostgresTestServer.shared.freshDatabase()
        var configuration = try PostgresStoreConfiguration(url: database.url, password: database.password)
        configuration.maximumConnections = 4
        return (try await PostgresStore.open(configuration, logger: logger), configuration)
    }

    func session(_ configuration: PostgresStoreConfiguration, _ id: String) async throws -> PostgresOwnershipSession {
        try await PostgresOwnershipSession.open(configuration, processId: id, host: "testhost", pid: 4242, startedAt: Date(),
                                                silenceLimit: .seconds(30), logger: logger)
    }

    func line(_ text: String, target: String) -> OutboxLine {
        OutboxLine(network: "libera", target: target, isChannel: target.hasPrefix("#"), text: text, style: "privmsg",
                   createdAt: Date())
    }

    /// The process trusts its hold but its session does not hold the network (another does):
    /// the database claims nothing for it, so nothing is sent and every line stays owed.
    @Test func aProcessWhoseSessionDoesNotHoldTheNetworkSendsNothing() async throws {
        let (store, configuration) = try await open()
        let believer = try await session(configuration, "believer")
        let holder = try await session(configuration, "holder")
        #expect(try await holder.tryLock("libera"))
        try await store.enqueue([line("one", target: "#art"), line("two", target: "bob")])
        let transport = RecordingTransport()
        let holding = BelievedHolding(session: believer, network: "libera")
        let delivery = OutboxDelivery(store: store, transport: transport, now: { Date() }, holding: holding, logger: logger)
        await delivery.wake(network: "libera")
        await delivery.settled()
        #expect(await transport.sent.isEmpty)
        #expect(try await store.owedLines(network: "libera").count == 2)
        // The ownership machine hears of it (it checks its session and drops the network).
        #expect(holding.refusals.networks.withLock { $0 } == ["libera"])

        // Its session takes the lock (the other let go): the same worker now delivers.
        try await holder.unlock("libera")
        #expect(try await believer.tryLock("libera"))
        await delivery.wake(network: "libera")
        #expect(await transport.waitUntil(deadline: .seconds(20)) { $0.count == 2 })
        #expect(await transport.texts == ["one", "two"])
        await delivery.shutdown()
        await believer.close(removingRow: true)
        await holder.close(removingRow: true)
        await store.close()
    }

    /// A line whose row another transaction holds is passed over: the other targets' lines go
    /// out, its own target's later line waits behind it, and once the row is free the worker
    /// (woken by nothing but its own retry) sends both in order.
    @Test func aLineSkippedForALockedRowGoesOutSoonInOrder() async throws {
        let (store, configuration) = try await open()
        let holder = try await session(configuration, "holder")
        #expect(try await holder.tryLock("libera"))
        try await store.enqueue([line("art 1", target: "#art"), line("bob 1", target: "bob"),
                                 line("art 2", target: "#art"), line("bob 2", target: "bob")])
        let ids = try await store.owedLines(network: "libera").compactMap(\.id)
        let other = try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.any(),
            configuration: PostgresStore.connectionConfiguration(configuration, tls: .disable),
            id: 7, logger: logger).get()
        try await other.query("BEGIN", logger: logger)
        try await other.query("SELECT id FROM outbox WHERE id = \(ids[0]) FOR UPDATE", logger: logger)

        let transport = RecordingTransport()
        let delivery = OutboxDelivery(store: store, transport: transport, now: { Date() },
                                      holding: BelievedHolding(session: holder, network: "libera"), logger: logger)
        await delivery.wake(network: "libera")
        #expect(await transport.waitUntil(deadline: .seconds(20)) { $0.count == 2 })
        await delivery.settled()
        #expect(await transport.texts == ["bob 1", "bob 2"], "#art waits behind its locked first line")

        try await other.query("ROLLBACK", logger: logger)
        // No wake: the worker's own retry after a skipped line (1 s) must bring them.
        #expect(await transport.waitUntil(deadline: .seconds(20)) { $0.count == 4 })
        #expect(await transport.texts == ["bob 1", "bob 2", "art 1", "art 2"])
        try? await other.close()
        await delivery.shutdown()
        #expect(try await store.owedLines(network: "libera").isEmpty)
        await holder.close(removingRow: true)
        await store.close()
    }

    /// A line just said whose row this process's own mark writer has locked (its mark in
    /// flight) is passed over by the next claim, but it was said: its target's next line is
    /// not kept waiting behind it. Here the mark waits for a row lock another session took the
    /// moment the line was sent, and the next line must go out while the mark still waits.
    @Test func aLineBeingMarkedByThisProcessDoesNotHoldItsTargetBack() async throws {
        let (store, configuration) = try await open()
        let holder = try await session(configuration, "holder")
        #expect(try await holder.tryLock("libera"))
        try await store.enqueue([line("art 1", target: "#art")])
        let first = try #require(try await store.owedLines(network: "libera").first?.id)
        let other = try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.any(),
            configuration: PostgresStore.connectionConfiguration(configuration, tls: .disable),
            id: 8, logger: logger).get()
        let transport = RecordingTransport()
        let logger = self.logger
        await transport.setAfterSend { said in
            guard said.text == "art 1" else { return }
            // Before the worker queues its mark: the mark will wait for this lock, for as long as
            // the test keeps it (not ended by the store's idle-in-transaction limit).
            _ = try? await other.query("SET idle_in_transaction_session_timeout = 0", logger: logger)
            _ = try? await other.query("BEGIN", logger: logger)
            _ = try? await other.query("SELECT id FROM outbox WHERE id = \(first) FOR UPDATE", logger: logger)
        }
        let delivery = OutboxDelivery(store: store, transport: transport, now: { Date() },
                                      holding: BelievedHolding(session: holder, network: "libera"), logger: logger)
        await delivery.wake(network: "libera")
        #expect(await transport.waitUntil(deadline: .seconds(20)) { $0.count == 1 })
        let locks = { [store] in
            try await store.query("""
                SELECT count(*)::int8 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                """).first?.decode(Int64.self) ?? 0
        }
        // The mark waits for the row (its UPDATE queued behind the other session's lock).
        let deadline = ContinuousClock.now + .seconds(20)
        while try await locks() == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await locks() > 0, "the mark waits for the locked row")

        try await store.enqueue([line("art 2", target: "#art")])
        await delivery.wake(network: "libera")
        #expect(await transport.waitUntil(deadline: .seconds(20)) { $0.count == 2 },
                "the next line to #art goes out while its first line's mark waits")
        #expect(await transport.texts == ["art 1", "art 2"])
        #expect(try await locks() > 0, "the first line's mark was still waiting")
        _ = try? await other.query("ROLLBACK", logger: logger)
        try? await other.close()
        await delivery.shutdown()
        await holder.close(removingRow: true)
        await store.close()
    }

    /// A row kept locked (an operator's transaction left open): the worker asks again after
    /// 1 s, then 2, 4, 8, 16 and 30 s at most (the recorded waits, not timed), and says so
    /// once, naming the line; when the lock ends the line goes out.
    @Test func aLineLockedForLongIsRetriedLessOftenAndLoggedOnce() async throws {
        let (store, configuration) = try await open()
        let holder = try await session(configuration, "holder")
        #expect(try await holder.tryLock("libera"))
        try await store.enqueue([line("art 1", target: "#art")])
        let id = try #require(try await store.owedLines(network: "libera").first?.id)
        let other = try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.any(),
            configuration: PostgresStore.connectionConfiguration(configuration, tls: .disable),
            id: 9, logger: logger).get()
        try await other.query("SET idle_in_transaction_session_timeout = 0", logger: logger)
        try await other.query("BEGIN", logger: logger)
        try await other.query("SELECT id FROM outbox WHERE id = \(id) FOR UPDATE", logger: logger)

        final class Waits: Sendable { let list = Mutex<[Duration]>([]) }
        let waits = Waits()
        let log = LogRecorder()
        let transport = RecordingTransport()
        // Retry waits up to 30 s are recorded and shortened; longer ones (send backstops) are real.
        let delivery = OutboxDelivery(store: store, transport: transport, now: { Date() }, sleep: { wait in
            guard wait <= .seconds(30) else { return try await Task.sleep(for: wait) }
            waits.list.withLock { $0.append(wait) }
            try await Task.sleep(for: .milliseconds(20))
        }, holding: BelievedHolding(session: holder, network: "libera"), logger: log.logger)
        await delivery.wake(network: "libera")
        let deadline = ContinuousClock.now + .seconds(30)
        while waits.list.withLock({ $0.count }) < 8, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let seen = waits.list.withLock { Array($0.prefix(8)) }
        #expect(seen == [1, 2, 4, 8, 16, 30, 30, 30].map { Duration.seconds($0) })
        #expect(log.matching("still passed over").count == 1)
        #expect(log.matching("still passed over").first?.contains("line=\(id)") == true)
        #expect(await transport.sent.isEmpty)

        try await other.query("ROLLBACK", logger: logger)
        #expect(await transport.waitUntil(deadline: .seconds(20)) { $0.count == 1 })
        try? await other.close()
        await delivery.shutdown()
        await holder.close(removingRow: true)
        await store.close()
    }
}
