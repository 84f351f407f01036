import Foundation
import Store
import Testing

/// The v12-matrix rows on both stores: the reply target kept with a task and its lines, the
/// login and the sync position per account, and the claim that keeps a re-read batch from
/// re-running a command.
@Suite struct StoreMatrixTests {
    @Test(arguments: StoreKind.all)
    func theReplyTargetSurvivesWithTheTaskAndItsLines(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let reply = ReplyReference(eventID: "$ev", threadRoot: "$root", userID: "@alice:hs")
            let route = TaskRoute(network: "hs", channel: "!Room:hs", nick: "Alice", account: "@alice:hs", replyTo: reply)
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            do {
                let store = try await open()
                let task = TaskRecord(id: "t1", route: route, kind: "imagine", prompt: "a red fox", status: "SUBMITTED",
                                      statusRank: 0, createdAt: now, deadline: now.addingTimeInterval(600))
                let line = OutboxLine(network: "hs", target: "!Room:hs", isChannel: true, text: "ack", style: "notice",
                                      taskId: "t1", createdAt: now, replyTo: reply)
                try await store.insert(task, lines: [line])
            }
            let reopened = try await open()
            let task = try #require(try await reopened.task(id: "t1"))
            #expect(task.route == route)
            #expect(task.scopeKey == "hs\u{1}!Room:hs")
            let lines = try await reopened.lines(forTask: "t1")
            #expect(lines.map(\.replyTo) == [reply])
            #expect(lines.first?.channelKey == "!Room:hs")
        }
    }

    @Test(arguments: StoreKind.all)
    func loginSinceAndClaimsPerAccount(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.matrixSession(account: "hs") == nil)
            try await store.commitMatrixSince(account: "hs", since: "s1")
            #expect(try await store.matrixSession(account: "hs") == MatrixSession(account: "hs", since: "s1"))
            try await store.saveMatrixLogin(account: "hs", userID: "@bot:hs", deviceID: "DEV", accessToken: "tok")
            try await store.commitMatrixSince(account: "hs", since: "s2")
            #expect(try await store.matrixSession(account: "hs")
                == MatrixSession(account: "hs", userID: "@bot:hs", deviceID: "DEV", accessToken: "tok", since: "s2"))
            // A new login keeps the since token.
            try await store.saveMatrixLogin(account: "hs", userID: "@bot:hs", deviceID: "DEV2", accessToken: "tok2")
            #expect(try await store.matrixSession(account: "hs")
                == MatrixSession(account: "hs", userID: "@bot:hs", deviceID: "DEV2", accessToken: "tok2", since: "s2"))
            #expect(try await store.matrixSession(account: "other") == nil)

            let now = Date(timeIntervalSince1970: 1_800_000_000)
            #expect(try await store.claimMatrixEvent("$a", account: "hs", at: now))
            #expect(try await !store.claimMatrixEvent("$a", account: "hs", at: now))
            #expect(try await store.claimMatrixEvent("$b", account: "hs", at: now.addingTimeInterval(5)))
            #expect(try await store.pruneMatrixEvents(before: now.addingTimeInterval(1)) == 1)
            #expect(try await store.claimMatrixEvent("$a", account: "hs", at: now), "pruned: claimable again")
            #expect(try await !store.claimMatrixEvent("$b", account: "hs", at: now), "not pruned")
        }
    }

    /// v13-matrix-rooms: the encrypted-room notice is claimed once per account and room, across a reopen.
    @Test(arguments: StoreKind.all)
    func theEncryptedRoomNoticeIsClaimedOncePerRoom(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            do {
                let store = try await open()
                #expect(try await store.claimMatrixEncryptionNotice(account: "hs", roomID: "!Secret:hs", at: now))
                #expect(try await !store.claimMatrixEncryptionNotice(account: "hs", roomID: "!Secret:hs", at: now))
            }
            let reopened = try await open()
            #expect(try await !reopened.claimMatrixEncryptionNotice(account: "hs", roomID: "!Secret:hs", at: now))
            // Room ids are case-sensitive; another account is another bot.
            #expect(try await reopened.claimMatrixEncryptionNotice(account: "hs", roomID: "!secret:hs", at: now))
            #expect(try await reopened.claimMatrixEncryptionNotice(account: "other", roomID: "!Secret:hs", at: now))
        }
    }
}
