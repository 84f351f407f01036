import Foundation
import GRDB
import Testing
@testable import Store

/// What the delivery workers record, on a real file; every query seeks past sent history.
@Suite struct StoreDeliveryTests {
    @Test func migrationV8AddsTheDeliveryColumnsAfterV7() async throws {
        let dir = try TemporaryDirectory()
        _ = try SQLiteStore.open(path: dir.databasePath)
        let queue = try DatabaseQueue(path: dir.databasePath)
        let applied = try await queue.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        let v7 = try #require(applied.firstIndex(of: "v7-scaling"))
        #expect(applied.firstIndex(of: "v8-delivery") == v7 + 1)
        let columns = try await queue.read { db in try db.columns(in: "outbox").map(\.name) }
        for column in ["confirmedOffset", "attempts", "heldSince", "heldReason", "deadLetteredAt", "deadLetterReason"] {
            #expect(columns.contains(column), "\(column) in \(columns)")
        }
    }

    @Test(arguments: StoreKind.all)
    func refusalsHoldsAndDeadLettersAreRecorded(_ kind: StoreKind) async throws {
        try await kind.withStore { store in try await Self.refusalsHoldsAndDeadLetters(store) }
    }

    static func refusalsHoldsAndDeadLetters(_ store: any BotStore) async throws {
        try await store.enqueue([line("one"), line("two", target: "bob"), line("three")])
        let owed = try await store.owedLines(network: "net")
        #expect(owed.map(\.text) == ["one", "two", "three"])
        let (one, two, three) = (try #require(owed[0].id), try #require(owed[1].id), try #require(owed[2].id))

        try await store.recordConfirmedOffset(lineId: one, offset: 7)
        try await store.recordConfirmedOffset(lineId: one, offset: 3) // never moves back
        #expect(try await store.recordRefusal(lineId: one, offset: 5, reason: "+m", at: t0) == 1)
        #expect(try await store.recordRefusal(lineId: one, offset: 9, reason: "+m still", at: t0.addingTimeInterval(60)) == 2)
        try await store.hold(lineIds: [three], reason: "behind", at: t0.addingTimeInterval(10))
        try await store.hold(lineIds: [three], reason: "behind again", at: t0.addingTimeInterval(20))
        #expect(try await store.deadLetter(lineId: two, offset: 0, reason: "no such nick", at: t0.addingTimeInterval(30)))
        #expect(try await store.deadLetter(lineId: two, offset: 0, reason: "twice", at: t0.addingTimeInterval(40)) == false)

        let lines = try await store.owedLines(network: "net")
        #expect(lines.map(\.text) == ["one", "three"])
        #expect(lines[0].confirmedOffset == 9 && lines[0].attempts == 2 && lines[0].heldSince == t0 && lines[0].heldReason == "+m still")
        #expect(lines[1].heldSince == t0.addingTimeInterval(10) && lines[1].heldReason == "behind again")
        let summary = try await store.outboxSummary()
        #expect(summary.owed == 0 && summary.held == 2 && summary.deadLettered == 1)
        #expect(summary.oldestHeld.map(\.text) == ["one", "three"])
        #expect(summary.oldestDeadLettered.first?.deadLetterReason == "no such nick")
        #expect(try await store.unsentLines().map(\.text) == ["one", "three"], "dead letters are not owed")
        let gauges = try await store.gauges()
        #expect(gauges.unsentLines == 2 && gauges.heldLines == 2 && gauges.owedLines == 0 && gauges.deadLetteredLines == 1)
        #expect(try await store.networksOwingLines() == ["net"])

        try await store.pruneDeadLetters(before: t0.addingTimeInterval(31))
        #expect(try await store.outboxSummary().deadLettered == 0)
        #expect(try await store.isOwed(lineId: one))
        #expect(try await store.isOwed(lineId: two) == false, "dead-lettered")
        #expect(try await store.markSent(lineId: one, at: t0))
        #expect(try await store.isOwed(lineId: one) == false, "sent")
        #expect(try await store.recordRefusal(lineId: one, offset: 20, reason: "after", at: t0) == 2, "a sent line is not counted")
        #expect(try await store.markSent(lineId: three, at: t0))
        #expect(try await store.networksOwingLines().isEmpty)
        #expect(try await store.recordRefusal(lineId: 999_999, offset: 0, reason: "none", at: t0) == 0)
        #expect(try await store.isOwed(lineId: 999_999) == false)
    }

    /// Several networks owe lines: each worker reads its own, in order; held ones are listed
    /// oldest hold first, dead letters oldest first.
    @Test(arguments: StoreKind.all)
    func linesArePerNetworkAndSummariesOrdered(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            func on(_ network: String, _ text: String) -> OutboxLine {
                OutboxLine(network: network, target: "#art", isChannel: true, text: text, style: "privmsg", createdAt: t0)
            }
            try await store.enqueue([on("zeta", "z1"), on("alpha", "a1"), on("Beta", "b1"), on("alpha", "a2"), on("zeta", "z2")])
            #expect(try await store.networksOwingLines() == ["Beta", "alpha", "zeta"], "byte order, as SQLite")
            #expect(try await store.owedLines(network: "alpha").map(\.text) == ["a1", "a2"])
            #expect(try await store.owedLines(network: "nowhere").isEmpty)
            let all = try await store.unsentLines()
            let ids = Dictionary(uniqueKeysWithValues: all.map { ($0.text, $0.id!) })
            try await store.hold(lineIds: [ids["z2"]!], reason: "first", at: t0.addingTimeInterval(5))
            try await store.hold(lineIds: [ids["a2"]!, ids["b1"]!], reason: "later", at: t0.addingTimeInterval(9))
            try await store.hold(lineIds: [], reason: "none", at: t0)
            #expect(try await store.deadLetter(lineId: ids["z1"]!, offset: 3, reason: "dead 2", at: t0.addingTimeInterval(20)))
            #expect(try await store.deadLetter(lineId: ids["a1"]!, offset: 0, reason: "dead 1", at: t0.addingTimeInterval(10)))
            let summary = try await store.outboxSummary(limit: 2)
            #expect(summary.owed == 0 && summary.held == 3 && summary.deadLettered == 2)
            #expect(summary.oldestHeld.map(\.text) == ["z2", "b1"])
            #expect(summary.oldestDeadLettered.map(\.text) == ["a1", "z1"])
            #expect(summary.oldestDeadLettered[1].confirmedOffset == 3 && summary.oldestDeadLettered[1].deadLetteredAt == t0.addingTimeInterval(20))
            #expect(try await store.networksOwingLines() == ["Beta", "alpha", "zeta"])
            try await store.pruneDeadLetters(before: t0.addingTimeInterval(15))
            #expect(try await store.outboxSummary().oldestDeadLettered.map(\.text) == ["z1"])
        }
    }

    @Test func deliveryQueriesNeverScanSentHistory() async throws {
        let dir = try TemporaryDirectory()
        let log = StatementLog()
        let store = try SQLiteStore.open(path: dir.databasePath, statementObserver: { log.append($0) })
        // A history of sent lines, then what is owed now.
        try await store.enqueue((0..<500).map { line("old \($0)") })
        for old in try await store.unsentLines() { try await store.markSent(lineId: try #require(old.id), at: t0) }
        try await store.enqueue([line("owed"), line("held", target: "bob"), line("dead", target: "carol")])
        let owed = try await store.owedLines(network: "net")
        _ = log.take()

        _ = try await store.networksOwingLines()
        _ = try await store.owedLines(network: "net")
        try await store.recordConfirmedOffset(lineId: try #require(owed[0].id), offset: 3)
        try await store.recordRefusal(lineId: try #require(owed[1].id), offset: 0, reason: "no such nick", at: t0)
        try await store.hold(lineIds: [try #require(owed[1].id)], reason: "no such nick", at: t0)
        try await store.deadLetter(lineId: try #require(owed[2].id), offset: 0, reason: "gone", at: t0)
        _ = try await store.isOwed(lineId: try #require(owed[0].id))
        _ = try await store.outboxSummary()
        _ = try await store.gauges()
        try await store.pruneDeadLetters(before: t0)
        let statements = log.take()
        #expect(statements.count >= 10, "the observer saw the queries: \(statements)")
        let scanning = try statementsScanningHistory(statements, databasePath: dir.databasePath)
        #expect(scanning.isEmpty, "queries reading a whole table:\n\(scanning.joined(separator: "\n"))")
    }
}
