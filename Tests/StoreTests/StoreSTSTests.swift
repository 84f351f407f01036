import Foundation
import GRDB
import Testing
@testable import Store

/// STS policies by host on both stores: kept across a reopen, replaced, removed; SQLite's
/// migration "v11-sts" comes after the intents.
@Suite struct StoreSTSTests {
    @Test(arguments: StoreKind.all)
    func policiesAreKeptPerHostReplacedAndRemoved(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let store = try await open()
            let at = Date(timeIntervalSince1970: 1_800_000_000)
            #expect(try await store.stsPolicy(host: "irc.example.net") == nil)
            let policy = STSPolicyRecord(host: "IRC.Example.NET", port: 6697, durationSeconds: 300, preload: true,
                                         expiresAt: at.addingTimeInterval(300), updatedAt: at)
            try await store.saveSTSPolicy(policy)
            #expect(try await store.stsPolicy(host: "irc.EXAMPLE.net") == policy)
            var refreshed = policy
            refreshed.expiresAt = at.addingTimeInterval(900)
            refreshed.updatedAt = at.addingTimeInterval(600)
            try await store.saveSTSPolicy(refreshed)
            try await store.saveSTSPolicy(STSPolicyRecord(host: "a.example", port: 7000, durationSeconds: 1, preload: false,
                                                          expiresAt: at, updatedAt: at))
            // Byte order, as SQLite sorts ("_" before "a"; a locale would ignore the "_"), whatever the database's locale.
            try await store.saveSTSPolicy(STSPolicyRecord(host: "_b.example", port: 7000, durationSeconds: 1, preload: false,
                                                          expiresAt: at, updatedAt: at))
            #expect(try await store.stsPolicies().map(\.host) == ["_b.example", "a.example", "irc.example.net"])
            #expect(try await open().stsPolicy(host: "irc.example.net") == refreshed)
            #expect(try await store.removeSTSPolicy(host: "IRC.example.net"))
            #expect(!(try await store.removeSTSPolicy(host: "irc.example.net")))
            #expect(try await store.removeSTSPolicy(host: "_b.example"))
            #expect(try await store.stsPolicies().map(\.host) == ["a.example"])
        }
    }

    @Test func migrationV11ComesWithTheIntents() async throws {
        let dir = try TemporaryDirectory()
        _ = try SQLiteStore.open(path: dir.databasePath)
        let applied = try await DatabaseQueue(path: dir.databasePath).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        }
        #expect(applied.contains("v11-sts") && applied.contains("v9-intents"), "\(applied)")
    }
}
