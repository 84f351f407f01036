import App
import Foundation
import Store
import Testing

/// The outbox gauges as `/metrics` shows them, from a real store with a line in each state.
@Suite struct OutboxGaugeTests {
    @Test func outboxLinesAreExportedByState() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-gauges-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore.open(path: dir.appendingPathComponent("bot.sqlite").path)
        let t0 = Date(timeIntervalSince1970: 1_748_339_000)
        let texts = ["sent", "owed", "held", "also held", "dead"]
        try await store.enqueue(texts.map {
            OutboxLine(network: "net", target: "#art", isChannel: true, text: $0, style: "privmsg", createdAt: t0)
        })
        let ids = try await store.unsentLines().compactMap(\.id)
        try #require(ids.count == 5)
        try await store.markSent(lineId: ids[0], at: t0)
        try await store.recordRefusal(lineId: ids[2], offset: 0, reason: "+m", at: t0)
        try await store.hold(lineIds: [ids[3]], reason: "+m", at: t0)
        try await store.deadLetter(lineId: ids[4], offset: 0, reason: "gone", at: t0)

        let metrics = BotMetrics()
        metrics.storeGauges(try await store.gauges())
        let scrape = PrometheusScrape(metrics.prometheusText())
        #expect(scrape.value("mjbridge_outbox_lines", ["state": "waiting"]) == 3, "owed + held, as before: \(scrape)")
        #expect(scrape.value("mjbridge_outbox_lines", ["state": "owed"]) == 1, "\(scrape)")
        #expect(scrape.value("mjbridge_outbox_lines", ["state": "held"]) == 2, "\(scrape)")
        #expect(scrape.value("mjbridge_outbox_lines", ["state": "dead_lettered"]) == 1, "\(scrape)")
        #expect(scrape.value("mjbridge_pending_tasks") == 0, "\(scrape)")
    }
}
