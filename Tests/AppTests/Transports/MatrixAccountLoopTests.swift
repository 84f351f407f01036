@testable import App
import Bridge
import Foundation
import GRDB
import Logging
import Matrix
import Store
import Synchronization
import Testing

/// A `MatrixAccount`'s start and sync loop against a scripted homeserver (real HTTP, real
/// SQLite, a real bridge): the rooms restored at start, what `/health` sees of the loop, and
/// the answers it gives up on. What Synapse itself does is in `MatrixAccountOnSynapseTests`.
@Suite(.timeLimit(.minutes(3)))
struct MatrixAccountLoopTests {
    /// A join restored from chat while the start is still working through earlier ones (the
    /// bridge restores concurrently) is run, not left in the queue for good.
    @Test func aJoinAskedWhileTheStartWorksThroughItsQueueIsNotLost() async throws {
        try await MatrixAccountRig.with(script: { request, answer, gate in
            if request.description == "POST join/!a:example.org" { await gate.wait() }
            return answer
        }) { rig in
            try await rig.account.join("!a:example.org")
            rig.start()
            _ = try await eventually("the held join of !a") {
                await rig.homeserver.roomCalls.contains("POST join/!a:example.org") ? true : nil
            }
            try await rig.account.join("!b:example.org")
            await rig.gate.open()
            // The server records the request before the account has its answer: wait for the account.
            _ = try await eventually("the join of !b asked meanwhile") {
                await rig.account.isJoined("!b:example.org") ? true : nil
            }
            #expect(await rig.homeserver.roomCalls.contains("POST join/!b:example.org"))
        }
    }

    /// The rows an older version stored under an alias and the newer rows under the room id are
    /// one room: the newest decision stands. And a configured room the owners left from chat is
    /// not joined only to be left again at every start. Through the bridge's own restore.
    @Test func restoredRoomsAreSettledPerRoomTheNewestDecisionWinning() async throws {
        let aliases = ["#art:example.org": "!art:example.org", "#old:example.org": "!old:example.org"]
        try await MatrixAccountRig.with(rooms: ["#art:example.org"], aliases: aliases) { rig in
            let t0 = Date(timeIntervalSince1970: 1_764_000_000)
            let channels = rig.bridge.channels
            // Joined by alias (an older version), then left from inside the room (by id).
            try await channels.setMembership(.joined, key: nil, network: "hs", channel: "#art:example.org", at: t0)
            try await channels.setMembership(.parted, key: nil, network: "hs", channel: "!art:example.org", at: t0 + 60)
            // Left by alias (an older version), then joined again (stored by id).
            try await channels.setMembership(.parted, key: nil, network: "hs", channel: "#old:example.org", at: t0)
            try await channels.setMembership(.joined, key: nil, network: "hs", channel: "!old:example.org", at: t0 + 60)
            await rig.bridge.restoreChannels()
            rig.start()
            _ = try await eventually("the account started") { await rig.account.isRunning ? true : nil }
            let calls = await rig.homeserver.roomCalls
            #expect(calls.filter { $0.hasPrefix("POST join/") } == ["POST join/!old:example.org"], "\(calls)")
            #expect(!calls.contains("POST rooms/!old:example.org/leave"), "\(calls)")
            #expect(await !rig.account.isJoined("!art:example.org"))
            #expect(await rig.account.isJoined("!old:example.org"))
        }
    }

    /// A batch whose position cannot be stored is read again: the account backs off (it hears
    /// nothing new) and `lastSyncAt` stays, until a batch completes again.
    @Test func aBatchThatCannotBeStoredIsNotASync() async throws {
        try await MatrixAccountRig.with { rig in
            rig.start()
            let t0 = rig.clock.now
            _ = try await eventually("a completed live batch") {
                let status = await rig.account.currentStatus
                return status.label == "syncing" && status.lastSyncAt == t0 ? true : nil
            }
            // Another connection holds the write lock (on GRDB's own thread, not the test's):
            // the store's writes fail after its busy timeout.
            var configuration = GRDB.Configuration()
            configuration.busyMode = .timeout(10)
            let locker = try DatabaseQueue(path: rig.databasePath, configuration: configuration)
            let (locked, release) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
            defer { release.signal() }
            let holder = Task {
                try await locker.writeWithoutTransaction { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    locked.signal()
                    release.wait()
                    try db.execute(sql: "ROLLBACK")
                }
            }
            _ = try await eventually("the write lock held") { locked.wait(timeout: .now()) == .success ? true : nil }
            rig.clock.advance(by: 10)
            let stuck = try await eventually("backing off while the store refuses", timeout: .seconds(60)) {
                let status = await rig.account.currentStatus
                return status.label == "backing_off" ? status : nil
            }
            #expect(HealthReport.MatrixAccountState(stuck).lastError?.contains("cannot store the sync position") == true)
            #expect(stuck.lastSyncAt == t0)
            let requests = await rig.homeserver.requests.count
            _ = try await eventually("the batch read again", timeout: .seconds(60)) {
                await rig.homeserver.requests.count > requests + 1 ? true : nil
            }
            let still = await rig.account.currentStatus
            #expect(still.label == "backing_off" && still.lastSyncAt == t0, "answered, but not stored: not a sync")
            release.signal()
            try await holder.value
            _ = try await eventually("syncing again", timeout: .seconds(60)) {
                let status = await rig.account.currentStatus
                return status.label == "syncing" && status.lastSyncAt == t0 + 10 ? true : nil
            }
        }
    }

    /// A loop that no longer moves on (here: a `/sync` the server holds) reads as `stalled`, not
    /// syncing, once past the bound: `/health` and `mjbridge_matrix_connected` see it.
    @Test func aLoopThatNoLongerMovesOnIsStalled() async throws {
        try await MatrixAccountRig.with(script: { request, answer, gate in
            if request.description == "GET sync", request.query.contains("since=") { await gate.wait() }
            return answer
        }) { rig in
            rig.start()
            _ = try await eventually("the account started") { await rig.account.isRunning ? true : nil }
            _ = try await eventually("the held long poll") {
                await rig.homeserver.requests.filter { $0.query.contains("since=") }.isEmpty ? nil : true
            }
            #expect(await rig.account.currentStatus.isSyncing)
            let bound = rig.account.stallBound
            #expect(bound == 92, "2 × the 1 s long poll + 90 s")
            rig.clock.advance(by: bound - 1)
            #expect(await rig.account.currentStatus.label == "syncing")
            rig.clock.advance(by: 2)
            let status = await rig.account.currentStatus
            #expect(status.label == "stalled" && !status.isSyncing)
            #expect(RuntimeHealth.connectionReasons(networks: [:], matrix: ["hs": status]) == ["no Matrix account is syncing"])
            #expect(HealthReport.MatrixAccountState(status).failingSince != nil)
        }
    }

    /// Several processes: the account's loop ends when this process loses it (`OwnedTransports`
    /// stops it), and runs again when it takes it back. Ended, it is not shown as syncing
    /// (`mjbridge_matrix_connected` would count it in two processes). Run again, it starts as a
    /// fresh process would: nothing is taken as joined before the login is checked and the rooms
    /// are settled (lines wait), and the rooms joined and left from chat are those the database
    /// has *now* — here another process's owners left the configured room and joined another
    /// meanwhile: the room is left, not joined again, and the new one is joined.
    @Test func anAccountTakenBackStartsAfreshFromTheRoomsTheDatabaseHasNow() async throws {
        let whoamis = Mutex(0)
        try await MatrixAccountRig.with(rooms: ["!art:example.org"], script: { request, answer, gate in
            if request.description == "GET account/whoami", whoamis.withLock({ $0 += 1; return $0 }) == 2 { await gate.wait() }
            return answer
        }) { rig in
            let logger = Logger(label: "owned-transports")
            let transports = OwnedTransports(irc: IRCTransport(clients: [], logger: logger),
                                             matrix: MatrixTransport(accounts: [rig.account]), logger: logger)
            await transports.attach(rig.bridge)
            await transports.start("hs")
            _ = try await eventually("the account syncing") { await rig.account.currentStatus.isSyncing ? true : nil }
            #expect(await rig.account.channelStatus("!art:example.org") == .joined)
            await transports.stop("hs", quitMessage: "handing over")
            let ended = await rig.account.currentStatus
            #expect(ended.label == "starting" && !ended.isSyncing, "\(ended)")

            // Meanwhile, on the process that held the account (straight into the shared store,
            // past this process's cached settings): `!part` here, `!join` there.
            let t0 = Date(timeIntervalSince1970: 1_764_000_000)
            _ = try await rig.store.updateChannelSetting(network: "hs", channel: "!art:example.org", at: t0) { $0.membership = .parted }
            _ = try await rig.store.updateChannelSetting(network: "hs", channel: "!new:example.org", at: t0) { $0.membership = .joined }
            let callsBefore = await rig.homeserver.roomCalls.count

            await transports.start("hs")
            _ = try await eventually("the second login check, held") { whoamis.withLock { $0 } == 2 ? true : nil }
            #expect(await !rig.account.isRunning)
            #expect(await rig.account.channelStatus("!art:example.org") == .waiting, "not taken as joined before the start")
            await rig.gate.open()
            _ = try await eventually("syncing again") { await rig.account.currentStatus.isSyncing ? true : nil }
            let calls = Array(await rig.homeserver.roomCalls.dropFirst(callsBefore))
            #expect(calls.contains("POST join/!new:example.org"), "\(calls)")
            #expect(calls.contains("POST rooms/!art:example.org/leave"), "\(calls)")
            #expect(!calls.contains("POST join/!art:example.org"), "the room left from chat is not joined again: \(calls)")
            #expect(await rig.account.channelStatus("!new:example.org") == .joined)
            #expect(await rig.account.channelStatus("!art:example.org") == .notWanted)
            await transports.stop("hs", quitMessage: "done")
        }
    }

    /// An answer (not owed) waits out `M_LIMIT_EXCEEDED` a few times, then is given up: the
    /// sync loop sends some itself and must not be parked by a server that keeps saying later.
    @Test func anAnswerGivesUpOnAServerThatKeepsRateLimiting() async throws {
        let sends = ScriptedHomeserver.Counter()
        try await MatrixAccountRig.with(script: { request, answer, _ in
            // Through at last after 10 tries: an unbounded loop would get there, and the test sees it.
            guard request.path.contains("/send/"), await sends.next() <= 10 else { return answer }
            return .json(#"{"errcode":"M_LIMIT_EXCEEDED","error":"slow down","retry_after_ms":10}"#, status: 429)
        }) { rig in
            await #expect(throws: MatrixTransportError.self) {
                try await rig.account.send(OutgoingChat(network: "hs", target: "!r:example.org", text: "hi"))
            }
            let sends = await rig.homeserver.requests.filter { $0.path.contains("/send/") }.count
            #expect(sends == 1 + MatrixAccount.rateLimitedSendAttempts)
        }
    }

    /// A reverse proxy's error page (a 4xx without a Matrix errcode) during maintenance is
    /// waited out; the account is not stopped for good.
    @Test func aProxysErrorPageIsWaitedOutNotAStop() async throws {
        let pages = ScriptedHomeserver.Counter()
        try await MatrixAccountRig.with(script: { request, answer, _ in
            guard request.description == "GET account/whoami", await pages.next() <= 2 else { return answer }
            return ScriptedHomeserver.Answer(status: 404, body: "<html><body>down for maintenance</body></html>")
        }) { rig in
            rig.start()
            _ = try await eventually("the account started after the maintenance") { await rig.account.isRunning ? true : nil }
            #expect(await rig.account.stopReason == nil)
            #expect(await rig.homeserver.requests.filter { $0.description == "GET account/whoami" }.count == 3)
        }
    }

    /// A password account the homeserver logs out (soft logout) logs in again as the same
    /// device and goes on; it is not stopped for good.
    @Test func aPasswordAccountLoggedOutLogsInAgain() async throws {
        let liveSyncs = ScriptedHomeserver.Counter()
        try await MatrixAccountRig.with(credential: #"password = "rig-password""#, script: { request, answer, _ in
            guard request.description == "GET sync", request.query.contains("since="), await liveSyncs.next() == 1 else { return answer }
            return .json(#"{"errcode":"M_UNKNOWN_TOKEN","error":"expired","soft_logout":true}"#, status: 401)
        }) { rig in
            rig.start()
            _ = try await eventually("a live sync after logging in again") {
                await rig.homeserver.requests.filter { $0.query.contains("since=") }.count >= 3 ? true : nil
            }
            #expect(await rig.account.stopReason == nil)
            #expect(await rig.homeserver.requests.filter { $0.description == "POST login" }.count == 2, "at start, and after the logout")
            #expect(await rig.account.currentStatus.label == "syncing")
        }
    }

    /// An alias is asked of the homeserver each time (a room upgrade moves it to the new room);
    /// the last answer serves while the directory cannot be asked.
    @Test func anAliasIsResolvedAgainNotCachedForever() async throws {
        let lookups = ScriptedHomeserver.Counter()
        try await MatrixAccountRig.with(aliases: ["#art:example.org": "!art:example.org"], script: { request, answer, _ in
            guard request.description.hasPrefix("GET directory/room/") else { return answer }
            switch await lookups.next() {
            case 1: return answer
            case 2: return .json(#"{"room_id":"!upgraded:example.org","servers":[]}"#)
            default: return .json(#"{"errcode":"M_UNKNOWN","error":"down"}"#, status: 502)
            }
        }) { rig in
            #expect(await rig.account.canonicalRoom("#art:example.org") == "!art:example.org")
            #expect(await rig.account.canonicalRoom("#art:example.org") == "!upgraded:example.org")
            #expect(await rig.account.canonicalRoom("#art:example.org") == "!upgraded:example.org", "the last answer while down")
            #expect(await rig.account.canonicalRoom("#nobody:example.org") == "#nobody:example.org")
        }
    }
}
