import Foundation
import Store
import Testing

/// Two stores on one database acting at the same moment, as two bot processes on one
/// PostgreSQL would (and two pools on one SQLite file): every claim, add and release is won
/// once. Each race runs several rounds, half of the contenders through each store.
@Suite struct StoreSharedDatabaseTests {
    /// How many of `contenders` calls of `body` (alternating between the two stores) answered true.
    static func race(_ first: any BotStore, _ second: any BotStore, contenders: Int = 6,
                     _ body: @escaping @Sendable (any BotStore) async throws -> Bool) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<contenders {
                let store = i % 2 == 0 ? first : second
                group.addTask { try await body(store) }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    @Test(arguments: StoreKind.all)
    func aMatrixEventIsClaimedOnce(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let (first, second) = (try await open(), try await open())
            for round in 0..<10 {
                let won = try await Self.race(first, second) { store in
                    try await store.claimMatrixEvent("$event\(round)", account: "hs", at: t0)
                }
                #expect(won == 1, "round \(round): \(won) claims")
                let notices = try await Self.race(first, second) { store in
                    try await store.claimMatrixEncryptionNotice(account: "hs", roomID: "!room\(round):hs", at: t0)
                }
                #expect(notices == 1, "round \(round): \(notices) notices")
            }
        }
    }

    @Test(arguments: StoreKind.all)
    func anIgnoreOrAdminIsAddedOnce(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let (first, second) = (try await open(), try await open())
            for round in 0..<10 {
                let added = try await Self.race(first, second) { store in
                    try await store.addIgnore(IgnoreEntry(key: "mask:*!*@h\(round)", value: "*!*@h\(round)", reason: nil,
                                                          addedBy: "root", addedAt: t0))
                }
                #expect(added == 1, "round \(round): \(added) adds")
                let admins = try await Self.race(first, second) { store in
                    try await store.addAdmin(AdminAccount(account: "op\(round)", addedBy: "root", addedAt: t0))
                }
                #expect(admins == 1, "round \(round): \(admins) adds")
            }
            #expect(try await first.ignoreEntries().count == 10)
            #expect(try await second.adminAccounts().count == 10)
        }
    }

    @Test(arguments: StoreKind.all)
    func anImageIsRemovedOnce(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let (first, second) = (try await open(), try await open())
            for round in 0..<10 {
                let name = "r\(round)-abcdef.png"
                try await first.recordHostedImages([HostedImageRecord(name: name, taskId: "t\(round)", imageIndex: 0,
                                                                      digest: String(repeating: "b", count: 64),
                                                                      contentType: "image/png", bytes: 10, createdAt: t0)],
                                                   settlingOwedMirrorOf: "t\(round)")
                let removed = try await Self.race(first, second) { store in
                    try await store.removeHostedImages(names: [name], reason: "expired", at: t0) == 1
                }
                #expect(removed == 1, "round \(round): removed \(removed) times")
            }
            #expect(try await second.liveHostedImages().isEmpty)
        }
    }

    /// The same reservation released by both at once gives its daily unit back once.
    @Test(arguments: StoreKind.all)
    func aReservationIsReleasedOnce(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let (first, second) = (try await open(), try await open())
            let requester = JobRequester(identity: "alice", nick: "Alice", channelScopeKey: nil, day: "2025-05-27")
            for round in 0..<10 {
                guard case .reserved = try await first.reserveJob(requester, at: t0, decide: { _ in nil as String? }),
                      case .reserved(let reservation) = try await first.reserveJob(requester, at: t0, decide: { _ in nil as String? })
                else { Issue.record("refused"); return }
                _ = try await Self.race(first, second) { store in
                    try await store.releaseReservation(reservation)
                    return true
                }
                let counters = try await second.jobCounters(requester, at: t0)
                #expect(counters.usedToday == round + 1, "round \(round): one of two units given back, once")
                #expect(counters.pendingUser == round + 1)
            }
        }
    }
}
