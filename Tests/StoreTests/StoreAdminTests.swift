import Foundation
import Testing
@testable import Store

/// Admins, ignores, pauses and the audit log on both stores, across a reopen.
@Suite struct StoreAdminTests {
    @Test(arguments: StoreKind.all)
    func adminsAreKeptByFoldedAccount(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            do {
                let store = try await open()
                #expect(try await store.addAdmin(AdminAccount(account: "Bob[1]", addedBy: "root", addedAt: t0)))
                #expect(try await !store.addAdmin(AdminAccount(account: "bob{1}", addedBy: "other", addedAt: t0)), "already one")
                #expect(try await store.addAdmin(AdminAccount(account: "carol", addedBy: "*!~op@h", addedAt: t0.addingTimeInterval(1))))
            }
            let store = try await open()
            #expect(try await store.adminAccounts().map(\.account) == ["Bob[1]", "carol"])
            #expect(try await store.adminAccounts().first?.addedBy == "root")
            #expect(try await store.removeAdmin(account: "BOB[1]"))
            #expect(try await !store.removeAdmin(account: "bob[1]"))
            #expect(try await store.adminAccounts().map(\.account) == ["carol"])
        }
    }

    @Test(arguments: StoreKind.all)
    func ignoresAreReplacedByKey(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let store = try await open()
            #expect(try await store.addIgnore(IgnoreEntry(key: "mask:*!*@bad", value: "*!*@bad", reason: nil, addedBy: "root", addedAt: t0)))
            #expect(try await !store.addIgnore(IgnoreEntry(key: "mask:*!*@bad", value: "*!*@BAD", reason: "spam", addedBy: "bob", addedAt: t0)))
            #expect(try await store.addIgnore(IgnoreEntry(key: "account:eve", value: "Eve", reason: nil, addedBy: "root", addedAt: t0)))
            let reopened = try await open()
            let entries = try await reopened.ignoreEntries()
            #expect(entries.count == 2)
            #expect(entries.first { $0.key == "mask:*!*@bad" }?.reason == "spam")
            #expect(try await reopened.removeIgnore(key: "account:eve"))
            #expect(try await !reopened.removeIgnore(key: "account:eve"))
        }
    }

    @Test(arguments: StoreKind.all)
    func pausesAreGlobalOrPerChannel(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let store = try await open()
            try await store.setPause(PauseSetting(network: "net", channel: "#Art", message: "one", pausedBy: "root", pausedAt: t0))
            try await store.setPause(PauseSetting(network: "net", channel: "#art", message: "two", pausedBy: "root", pausedAt: t0))
            try await store.setPause(PauseSetting(network: "net", channel: nil, message: nil, pausedBy: "root", pausedAt: t0))
            try await store.setPause(PauseSetting(network: "other", channel: "#art", message: nil, pausedBy: "root", pausedAt: t0))
            let reopened = try await open()
            let pauses = try await reopened.pauseSettings()
            #expect(pauses.count == 3)
            #expect(pauses.first { $0.network == "net" && $0.channelKey == "#art" }?.message == "two")
            #expect(pauses.filter(\.isGlobal).count == 1)
            #expect(try await reopened.removePause(network: "net", channel: "#ART"))
            #expect(try await !reopened.removePause(network: "net", channel: "#art"))
            #expect(try await reopened.removePause(network: "net", channel: nil))
            #expect(try await reopened.removeAllPauses() == 1)
            #expect(try await reopened.pauseSettings().isEmpty)
        }
    }

    @Test(arguments: StoreKind.all)
    func theAuditLogIsReadNewestFirst(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let store = try await open()
            for i in 0..<7 {
                let row = try await store.appendAudit(AuditEntry(account: i % 2 == 0 ? "root" : nil, mask: "r!~u@h", network: "net",
                                                                channel: "#art", command: "pause", target: "#art",
                                                                outcome: "ok \(i)", at: t0.addingTimeInterval(Double(i))))
                #expect(row.id == Int64(i + 1))
            }
            let reopened = try await open()
            let recent = try await reopened.recentAudit(limit: 3)
            #expect(recent.map(\.outcome) == ["ok 6", "ok 5", "ok 4"])
            #expect(recent[1].account == nil && recent[0].account == "root")
            #expect(try await reopened.recentAudit(limit: 100).count == 7)
            #expect(try await reopened.pruneAudit(before: t0.addingTimeInterval(2)) == 2)
            #expect(try await reopened.recentAudit(limit: 100).map(\.outcome).last == "ok 2")
        }
    }
}
