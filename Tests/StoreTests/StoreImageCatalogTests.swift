import Foundation
import GRDB
import Testing
@testable import Store

/// The hosted-image catalog and the owed mirrors on both stores.
@Suite struct StoreImageCatalogTests {
    func image(_ name: String, task: String = "1748339029401828", index: Int = 0, digest: String = String(repeating: "a", count: 64),
               at offset: TimeInterval = 0) -> HostedImageRecord {
        HostedImageRecord(name: name, taskId: task, imageIndex: index, digest: digest, contentType: "image/png", bytes: 1234,
                          createdAt: t0.addingTimeInterval(offset))
    }

    @Test(arguments: StoreKind.all)
    func imagesSurviveReopeningAndSettleTheOwedMirror(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            do {
                let store = try await open()
                let owed = OwedMirrorRecord(taskId: "1748339029401828", gridUrl: "http://proxy/a.png?ex=1",
                                            singleUrls: ["http://proxy/1.png", "http://proxy/2.png"], firstFailedAt: t0, attempts: 1,
                                            nextAttemptAt: t0.addingTimeInterval(30), lastError: "refused")
                try await store.recordOwedMirror(owed)
                #expect(try await store.owedMirrors(dueBy: t0).isEmpty)
                let due = try await store.owedMirrors(dueBy: t0.addingTimeInterval(30))
                #expect(due == [owed] && due[0].singles == ["http://proxy/1.png", "http://proxy/2.png"])
            }
            let store = try await open()
            #expect(try await store.owedMirror(taskId: "1748339029401828")?.attempts == 1)
            try await store.recordHostedImages([image("1828-abcdef-1.png", index: 1), image("1828-abcdef.png")],
                                               settlingOwedMirrorOf: "1748339029401828")
            #expect(try await store.owedMirror(taskId: "1748339029401828") == nil)

            let reopened = try await open()
            #expect(try await reopened.hostedImages(forTask: "1748339029401828").map(\.name) == ["1828-abcdef.png", "1828-abcdef-1.png"])
            #expect(try await reopened.hostedImage(named: "1828-abcdef.png") == image("1828-abcdef.png"))
            #expect(try await reopened.hostedImage(named: "nope") == nil)
        }
    }

    @Test(arguments: StoreKind.all)
    func removedImagesKeepTheirRowWithTheReasonAndLeaveTheLiveList(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let store = try await open()
            try await store.recordHostedImages([image("a-abcdef.png", task: "1"), image("b-abcdef.png", task: "2", at: 10)],
                                               settlingOwedMirrorOf: "1")
            #expect(try await store.removeHostedImages(names: ["a-abcdef.png", "zzz"], reason: "expired", at: t0.addingTimeInterval(99)) == 1)
            #expect(try await store.removeHostedImages(names: ["a-abcdef.png"], reason: "size", at: t0.addingTimeInterval(200)) == 0)
            let removed = try #require(try await store.hostedImage(named: "a-abcdef.png"))
            #expect(removed.isRemoved && removed.removedReason == "expired" && removed.removedAt == t0.addingTimeInterval(99))
            #expect(try await store.liveHostedImages().map(\.name) == ["b-abcdef.png"])
        }
    }

    @Test(arguments: StoreKind.all)
    func servedTimesOnlyMoveForward(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let store = try await open()
            try await store.recordHostedImages([image("a-abcdef.png")], settlingOwedMirrorOf: "x")
            try await store.markHostedImagesServed(["a-abcdef.png": t0.addingTimeInterval(50), "unknown": t0])
            try await store.markHostedImagesServed(["a-abcdef.png": t0.addingTimeInterval(20)])
            #expect(try await store.hostedImage(named: "a-abcdef.png")?.lastServedAt == t0.addingTimeInterval(50))
        }
    }

    @Test func migrationV10ComesAfterV9() async throws {
        let dir = try TemporaryDirectory()
        _ = try SQLiteStore.open(path: dir.databasePath)
        let applied = try await DatabaseQueue(path: dir.databasePath).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        }
        let v9 = try #require(applied.firstIndex(of: "v9-intents"))
        let v10 = try #require(applied.firstIndex(of: "v10-images"))
        #expect(v10 > v9)
    }
}
