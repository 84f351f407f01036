import Foundation
import Store
import Testing

/// Inputs where SQLite and PostgreSQL differ by nature; the stores must not (review of the
/// PostgreSQL store, L1 and L4).
@Suite struct StoreBoundaryTests {
    /// SQLite reads a negative LIMIT as "no limit"; PostgreSQL would fail the statement.
    @Test(arguments: StoreKind.all)
    func aNegativeLimitMeansNoLimit(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let ids = (0..<3).map { String(1_748_339_000_000_000 + $0) }
            for (n, id) in ids.enumerated() { try await store.insert(makeTask(id, at: Double(n))) }
            #expect(try await store.recentTasks(scopeKey: art.scopeKey, limit: -1).count == 3)
            #expect(try await store.tasks(of: art, limit: -1).count == 3)
            #expect(try await store.tasks(endingWith: "0", network: "net", window: -1, limit: -1).map(\.id) == [ids[0]])
            try await store.enqueue([line("one"), line("two")])
            let lineIds = try await store.unsentLines().compactMap(\.id)
            try await store.hold(lineIds: lineIds, reason: "flood", at: t0)
            #expect(try await store.outboxSummary(limit: -1).oldestHeld.count == 2)
        }
    }

    /// Chat input can carry NUL (U+0000), which PostgreSQL refuses in text: both stores take
    /// it and find it again by the same key. What reads back differs, by nature: SQLite (through
    /// GRDB) cuts text at the NUL; PostgreSQL keeps records exactly (JSON escapes NUL) and shows
    /// U+FFFD where a value lives only in a column.
    @Test(arguments: StoreKind.all)
    func textWithNULIsAcceptedByEveryStore(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let entry = IgnoreEntry(key: "nick:a\u{0}b", value: "a\u{0}b", reason: "x\u{0}y", addedBy: "op", addedAt: t0)
            #expect(try await store.addIgnore(entry))
            #expect(try await store.ignoreEntries().map(\.value) == [kind == .sqlite ? "a" : "a\u{0}b"])
            #expect(try await store.removeIgnore(key: "nick:a\u{0}b"))
            #expect(try await store.ignoreEntries().isEmpty)
            try await store.insert(makeTask("1748339029401828"), lines: [line("said\u{0}!", task: "1748339029401828")])
            let owed = try #require(try await store.unsentLines().first)
            #expect(owed.text == (kind == .sqlite ? "said" : "said\u{0}!"))
            try await store.hold(lineIds: [try #require(owed.id)], reason: "bad\u{0}reason", at: t0)
            let held = try await store.unsentLines().first?.heldReason
            #expect(held == (kind == .sqlite ? "bad" : "bad\u{FFFD}reason"))
        }
    }
}
