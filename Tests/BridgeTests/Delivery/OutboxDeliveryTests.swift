import Foundation
import Logging
import Testing
@testable import Bridge
import Store

@Suite struct OutboxDeliveryTests {
    let t0 = Date(timeIntervalSince1970: 1_748_339_000)

    func line(_ text: String, target: String = "#art", network: String = "net") -> OutboxLine {
        OutboxLine(network: network, target: target, isChannel: target.hasPrefix("#"), text: text,
                   style: "notice", createdAt: t0)
    }

    func makeStore() throws -> (SQLiteStore, TemporaryDirectory) {
        let dir = try TemporaryDirectory()
        return (try SQLiteStore.open(path: dir.databasePath), dir)
    }

    @Test func linesGoOutOnceInOrder() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = RecordingTransport()
        let delivery = OutboxDelivery(store: store, transport: transport, now: { [t0] in t0 }, logger: Logger(label: "test"))
        try await store.enqueue([line("one"), line("two", target: "alice")])
        await delivery.flush()
        await delivery.flush()
        let sent = await transport.sent
        #expect(sent == [OutgoingChat(network: "net", target: "#art", text: "one", style: .notice),
                         OutgoingChat(network: "net", target: "alice", text: "two", style: .notice)])
        #expect(try await store.unsentLines().isEmpty)
    }

    @Test func concurrentFlushesDoNotDoubleSend() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = RecordingTransport()
        let delivery = OutboxDelivery(store: store, transport: transport, now: { [t0] in t0 }, logger: Logger(label: "test"))
        try await store.enqueue((1...20).map { line("line \($0)") })
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { await delivery.flush() } }
        }
        #expect(await transport.texts == (1...20).map { "line \($0)" })
    }

    @Test func channelLinesWaitUntilTheBotIsInTheChannel() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = RecordingTransport(joinedToAllChannels: false)
        let delivery = OutboxDelivery(store: store, transport: transport, now: { [t0] in t0 }, logger: Logger(label: "test"))
        try await store.enqueue([line("held"), line("private", target: "alice")])
        await delivery.flush()
        #expect(await transport.texts == ["private"])
        await transport.join(network: "net", channel: "#ART")
        await delivery.flush()
        #expect(await transport.texts == ["private", "held"])
    }

    @Test func failedSendsStayQueuedAndKeepTheirOrder() async throws {
        let (store, dir) = try makeStore()
        _ = dir
        let transport = RecordingTransport()
        let delivery = OutboxDelivery(store: store, transport: transport, now: { [t0] in t0 }, logger: Logger(label: "test"))
        try await store.enqueue([line("a"), line("b"), line("c", network: "other")])
        await transport.setDown(true)
        await delivery.flush()
        #expect(await transport.texts.isEmpty)
        #expect(try await store.unsentLines().count == 3)
        await transport.setDown(false)
        await delivery.flush()
        #expect(await transport.texts == ["a", "b", "c"])
    }

    @Test func aRestartedBotSendsWhatWasLeft() async throws {
        let dir = try TemporaryDirectory()
        do {
            let store = try SQLiteStore.open(path: dir.databasePath)
            try await store.enqueue([line("owed")])
        }
        let store = try SQLiteStore.open(path: dir.databasePath)
        let transport = RecordingTransport()
        await OutboxDelivery(store: store, transport: transport, now: { [t0] in t0 }, logger: Logger(label: "test")).flush()
        #expect(await transport.texts == ["owed"])
    }
}
