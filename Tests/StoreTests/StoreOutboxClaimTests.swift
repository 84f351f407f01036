import Foundation
import Logging
import PostgresStore
import PostgresTestSupport
import Store
import Testing

/// The claim of a network's owed lines by its holder, and the batch mark, on both stores: the
/// behaviour the delivery worker relies on whichever store it has. (What only PostgreSQL can
/// show, several sessions and row locks, is in `PostgresOutboxClaimTests`.)
@Suite struct StoreOutboxClaimTests {
    /// A store of `kind` and a claimant that holds `network`: for PostgreSQL a real ownership
    /// session on the same database that took the network's lock; SQLite (one process per
    /// file) has no one to claim against, so any claimant does.
    static func withHolder<T: Sendable>(_ kind: StoreKind, network: String,
                                        _ body: (any BotStore, OutboxClaimant) async throws -> T) async throws -> T {
        switch kind {
        case .sqlite:
            return try await body(try SQLiteStore.inMemory(), OutboxClaimant(backendPID: 0, lockKey: 0))
        case .postgres:
            let (store, configuration) = try await PostgresOutboxClaimTests.openStore()
            let session = try await PostgresOutboxClaimTests.session(configuration, "holder")
            do {
                #expect(try await session.tryLock(network))
                let result = try await body(store, session.claimant(for: network))
                await session.close(removingRow: true)
                await store.close()
                return result
            } catch {
                await session.close(removingRow: true)
                await store.close()
                throw error
            }
        }
    }

    static func line(_ text: String, network: String = "net", target: String = "#Art", task: String? = nil) -> OutboxLine {
        OutboxLine(network: network, target: target, isChannel: target.hasPrefix("#"), text: text, style: "privmsg", taskId: task,
                   createdAt: t0)
    }

    /// The holder claims what its network owes, in order: not another network's lines, not sent
    /// or dead-lettered ones (held ones are owed and claimed: the worker decides about them);
    /// claiming again returns the same lines (a round after a round), and nothing is skipped.
    @Test(arguments: StoreKind.all)
    func theHolderClaimsItsNetworksOwedLinesInOrder(_ kind: StoreKind) async throws {
        try await Self.withHolder(kind, network: "net") { store, claimant in
            try await store.enqueue([Self.line("one"), Self.line("other", network: "elsewhere"), Self.line("two", target: "bob"),
                                     Self.line("three"), Self.line("four"), Self.line("five")])
            let owed = try await store.owedLines(network: "net")
            #expect(owed.map(\.text) == ["one", "two", "three", "four", "five"])
            let ids = owed.compactMap(\.id)
            #expect(try await store.markSent(lineId: ids[2], at: t0))
            #expect(try await store.deadLetter(lineId: ids[3], offset: 0, reason: "gone", at: t0))
            try await store.hold(lineIds: [ids[4]], reason: "+m", at: t0)
            try await store.recordConfirmedOffset(lineId: ids[0], offset: 3)

            let claim = try await store.claimOwedLines(network: "net", claimant: claimant)
            #expect(claim.isHeld)
            #expect(claim.lines.map(\.text) == ["one", "two", "five"])
            #expect(claim.lines.compactMap(\.id) == [ids[0], ids[1], ids[4]])
            #expect(claim.lines[0].confirmedOffset == 3, "the delivery state comes with the line")
            #expect(claim.lines[2].heldReason == "+m")
            #expect(claim.skipped.isEmpty)
            let again = try await store.claimOwedLines(network: "net", claimant: claimant)
            #expect(again.isHeld && again.lines.compactMap(\.id) == [ids[0], ids[1], ids[4]], "its own claims are its own")
            let nothing = try await store.claimOwedLines(network: "quiet", claimant: claimant)
            #expect(nothing.lines.isEmpty && nothing.skipped.isEmpty)
        }
    }

    /// The batch mark returns exactly the ids it marked: a line already sent (by anyone) and
    /// an id that does not exist are left out, and the first mark's time stays.
    @Test(arguments: StoreKind.all)
    func aBatchMarkReturnsTheIdsItMarked(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.enqueue((1...5).map { Self.line("line \($0)", task: "task") })
            let ids = try await store.owedLines(network: "net").compactMap(\.id)
            #expect(try await store.markSent(lineId: ids[1], at: t0))
            let marked = try await store.markSent(lineIds: [ids[0], ids[1], ids[3], 999_999], at: t0.addingTimeInterval(60))
            #expect(marked.sorted() == [ids[0], ids[3]])
            #expect(try await store.markSent(lineIds: [], at: t0).isEmpty)
            #expect(try await store.markSent(lineIds: [ids[0], ids[3]], at: t0).isEmpty, "already sent")
            #expect(try await store.owedLines(network: "net").compactMap(\.id) == [ids[2], ids[4]])
            let sentAt = Dictionary(uniqueKeysWithValues: try await store.lines(forTask: "task").map { ($0.id ?? 0, $0.sentAt) })
            #expect(sentAt[ids[1]] == t0, "the first mark stays")
            #expect(sentAt[ids[0]] == t0.addingTimeInterval(60))
        }
    }
}
