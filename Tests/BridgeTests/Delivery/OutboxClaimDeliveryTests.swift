import Foundation
import Logging
import PostgresNIO
@testable import Bridge
@testable import PostgresStore
import PostgresTestSupport
import Store
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
        let session: PostgresOwnershipSession
        let network: String
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
        let delivery = OutboxDelivery(store: store, transport: transport, now: { Date() },
                                      holding: BelievedHolding(session: believer, network: "libera"), logger: logger)
        await delivery.wake(network: "libera")
        await delivery.settled()
        #expect(await transport.sent.isEmpty)
        #expect(try await store.owedLines(network: "libera").count == 2)

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
}
