import App
import AsyncHTTPClient
import Foundation
import Logging
import Matrix
import MatrixTestSupport
@testable import PostgresStore
import PostgresTestSupport
import Store
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// A Matrix account held by one of two real `mjbridge run` processes on one real PostgreSQL
/// (Scripts/pg-testnet) and the real Synapse: the holder logs in, syncs and answers; the standby
/// never talks to the homeserver (each process reaches Synapse through a relay of its own, which
/// counts its requests); a SIGKILLed holder's account is taken over from the stored login and
/// sync position, a send the holder died in is repeated with its transaction id, and each
/// result is in the room once (counted with `/messages`). A callback that reaches the standby
/// is delivered by the holder. Every child is killed when a test ends, failed or not.
@Suite(.serialized, .timeLimit(.minutes(10)), .synapse,
       .disabled(if: Synapse.skipRequested, Synapse.skipReason),
       .disabled(if: PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct MatrixOwnershipOnSynapseTests {
    typealias Setup = MatrixBotOnSynapseTests.Setup

    /// The Synapse suites' bot config with the shared store, a password login (the token and
    /// device are the database's, shared by both processes), its own listener, callbacks to
    /// `callbackPort`, and Synapse reached through `homeserver` (the process's relay).
    static func config(_ setup: Setup, database: PostgresTestServer.Database, port: Int, callbackPort: Int,
                       homeserver: String, pollSeconds: Int = 1, takeover: Double = 5, rooms: [String]? = nil) throws -> String {
        let password = try Synapse.require().bot.password
        var text = setup.config(credential: "password = \"\(password)\"", homeserver: homeserver, rooms: rooms)
        text = text.replacingOccurrences(of: "listen = \"127.0.0.1:\(setup.httpPort)\"", with: "listen = \"127.0.0.1:\(port)\"")
        text = text.replacingOccurrences(of: "public_base_url = \"http://127.0.0.1:\(setup.httpPort)\"",
                                         with: "public_base_url = \"http://127.0.0.1:\(callbackPort)\"")
        text = text.replacingOccurrences(of: "poll_interval_seconds = 1", with: "poll_interval_seconds = \(pollSeconds)")
        try database.password.write(to: setup.directory.appendingPathComponent("pg.pass"), atomically: true, encoding: .utf8)
        return text + """

            [store]
            url = "\(database.url)"
            password_file = "pg.pass"
            takeover_seconds = \(takeover)
            """
    }

    static func start(_ setup: Setup, _ name: String, text: String) throws -> ChildProcess {
        let path = setup.directory.appendingPathComponent("\(name).conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", path],
                                logPath: setup.directory.appendingPathComponent("\(name).log").path)
    }

    /// `/health`'s state of the account on the process listening on `port` (nil: no answer).
    static func accountState(port: Int) async -> String? {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health")
        request.method = .GET
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(10)),
              let body = try? await response.body.collect(upTo: 1 << 20),
              let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
              let matrix = json["matrix"] as? [String: Any], let account = matrix["synapse"] as? [String: Any] else { return nil }
        return account["state"] as? String
    }

    static func syncs(_ relay: HomeserverRelay) -> [String] {
        relay.uris.filter { $0.hasPrefix("GET ") && $0.contains("/sync") }
    }

    /// What went wrong, for a failed test: the logs of both processes and what each relay saw.
    static func failureContext(_ processes: [ChildProcess?], _ relays: [HomeserverRelay]) -> String {
        processes.compactMap { $0 }.map { "--- \($0.logPath):\n\($0.log.suffix(6000))" }.joined(separator: "\n")
            + relays.map { "\n--- relay:\n\($0.requestLog)" }.joined()
    }

    // MARK: 1. One account, two processes; SIGKILL of the holder with jobs in flight

    @Test func theStandbyTakesOverAKilledHoldersAccountFromItsStoredPositionAndEachResultArrivesOnce() async throws {
        let synapse = try Synapse.require()
        let setup = try await Setup.make()
        let database = try await PostgresTestServer.shared.freshDatabase()
        let store = try await OwnershipOnTestnetTests.openStore(database)
        let relayA = try await HomeserverRelay.start(forwardingTo: synapse.url)
        let relayB = try await HomeserverRelay.start(forwardingTo: synapse.url)
        let portB = try await freePort()
        var a: ChildProcess?
        var b: ChildProcess?
        var finished = false
        try await withCleanup {
            // Callbacks to a: when it dies they are lost, and b's polls find the results.
            a = try Self.start(setup, "a", text: try Self.config(setup, database: database, port: setup.httpPort,
                                                                  callbackPort: setup.httpPort, homeserver: relayA.url))
            let pidA = Int(try #require(a?.pid))
            _ = try await eventually("a holding the account", timeout: .seconds(90)) {
                try await OwnershipOnTestnetTests.holdings(store)[pidA] == ["synapse"] ? true : nil
            }
            try await setup.waitForTheBotToJoin()
            let early = try await setup.say("!ping")
            try await setup.waitForAnswer(to: early)
            let login = try #require(try await store.matrixSession(account: "synapse"), "a kept its login in the database")

            b = try Self.start(setup, "b", text: try Self.config(setup, database: database, port: portB,
                                                                  callbackPort: setup.httpPort, homeserver: relayB.url))
            let pidB = Int(try #require(b?.pid))
            _ = try await eventually("b standing by", timeout: .seconds(90)) {
                try await OwnershipOnTestnetTests.holdings(store)[pidB] == [] ? true : nil
            }
            // What each process says of the account: a syncs, b names a as the holder.
            let stateA = try await eventually("a's /health", timeout: .seconds(30)) { await Self.accountState(port: setup.httpPort) }
            let stateB = try await eventually("b's /health", timeout: .seconds(30)) { await Self.accountState(port: portB) }
            #expect(stateA == "syncing")
            #expect(stateB.hasPrefix("standby (held by ") && stateB.hasSuffix(" pid \(pidA))"), "\(stateB)")
            // And `!pending`, asked by the owner: answered once, by the holder, which names b.
            let owner = MatrixClient(homeserver: synapse.url, accessToken: synapse.owner.accessToken)
            _ = try await owner.join(setup.roomID)
            let pending = try await owner.send(roomID: setup.roomID, transactionID: UUID().uuidString,
                                               content: ["msgtype": "m.text", "body": "!pending"])
            try await setup.waitForAnswer(to: pending)
            let report = await setup.replies(to: pending).first?.messageBody ?? ""
            #expect(report.contains("this process holds synapse") && report.contains("pid \(pidB): standing by"), "\(report)")

            // Jobs in flight: three acknowledged while drawing; then the first result notice is
            // stored by Synapse but its answer never reaches a, which is killed right there.
            await setup.simulator.controls.stick(atPercent: 50)
            var commands: [String] = []
            for fox in ["a first fox", "a second fox", "a third fox"] { commands.append(try await setup.say("!imagine \(fox) held over")) }
            for command in commands { try await setup.waitForAcknowledgement(of: command) }
            relayA.hold(.afterTheHomeserverAnswered) { txnID, msgtype in
                txnID.hasPrefix("mjb1.") && txnID.hasSuffix(".1") && msgtype == "m.notice"
            }
            await setup.simulator.controls.stick(atPercent: nil)
            // Stored by Synapse (the relay has its answer), not only caught on its way there.
            try await pollUntil("a result notice held at a's relay", timeout: .seconds(120), context: { relayA.requestLog }) {
                relayA.sends.contains { $0.held }
            }
            // The standby never logged in nor synced: nothing of it reached the homeserver.
            #expect(relayB.uris.isEmpty, "b spoke to the homeserver while standing by: \(relayB.uris)")
            a?.signal(SIGKILL)
            let killedAt = ContinuousClock.now
            _ = await a?.wait()
            relayA.release()
            let held = try #require(relayA.sends.first { $0.held })
            let heldEvent = try #require(held.eventID, "Synapse stored the held notice")
            #expect(!relayA.sends.contains { $0.transactionID == held.transactionID && !$0.held },
                    "a died with the held send unanswered (not after a retry of its own)")

            _ = try await eventually("b holding the account", timeout: .seconds(60)) {
                try await OwnershipOnTestnetTests.holdings(store)[pidB] == ["synapse"] ? true : nil
            }
            let holdingAfter = killedAt.duration(to: .now)
            try await pollUntil("b syncing", timeout: .seconds(60), context: { relayB.requestLog }) { !Self.syncs(relayB).isEmpty }
            let syncing = killedAt.duration(to: .now)

            try await pollUntil("all three results", timeout: .seconds(180), context: { Self.failureContext([a, b], [relayB]) }) {
                for command in commands {
                    if await setup.results(replyingTo: command).isEmpty { return false }
                }
                return true
            }
            // A command after the takeover is answered (b reads the room), and everything said
            // before its answer is in the room; a few seconds more for a late duplicate to show.
            let late = try await setup.say("!ping")
            try await setup.waitForAnswer(to: late)
            try await Task.sleep(for: .seconds(3))

            var duplicates = 0
            var counts: [String] = []
            for command in commands {
                let (images, results, acks) = (await setup.images(replyingTo: command).count,
                                               await setup.results(replyingTo: command).count,
                                               await setup.acknowledgements(of: command).count)
                #expect(images >= 1 && results >= 1 && acks >= 1, "\(command): \(images) image(s), \(results) result(s), \(acks) ack(s)")
                duplicates += max(0, images - 1) + max(0, results - 1) + max(0, acks - 1)
                counts.append("\(images)/\(results)/\(acks)")
            }
            #expect(duplicates <= 1, "at most the one confirmed-send duplicate of a crash: \(counts)")
            // No backlog replay: b went on from the stored position (its first sync names one),
            // so the commands a had answered were not run again.
            #expect(Self.syncs(relayB).first?.contains("since=") == true, "\(Self.syncs(relayB).prefix(1))")
            #expect(await setup.replies(to: early).count == 1, "the ping a answered was not answered again")
            #expect(await setup.replies(to: pending).count == 1, "!pending was answered once")
            #expect(await setup.replies(to: late).count == 1)
            #expect(await setup.simulator.controls.stats().tasksCreated == 3, "no command was submitted twice")
            // The same login (no second login: the token and device are the database's) and the
            // held line repeated with its transaction id, answered by Synapse with the first event.
            #expect(!relayB.uris.contains { $0.contains("/login") }, "b logged in again: \(relayB.uris.filter { $0.contains("/login") })")
            #expect(try await store.matrixSession(account: "synapse")?.deviceID == login.deviceID)
            let resends = relayB.sends.filter { $0.transactionID == held.transactionID }
            #expect(!resends.isEmpty, "b sent the held line again\n\(relayB.requestLog)")
            #expect(resends.allSatisfy { $0.eventID == heldEvent && $0.accessToken == held.accessToken },
                    "resent with the same login and answered with the first event: \(resends)")
            print("MatrixOwnershipOnSynapse SIGKILL: b held the account \(holdingAfter) after the kill, first /sync \(syncing) after it; "
                  + "3 results (image/notice/ack per job: \(counts.joined(separator: ", "))), \(duplicates) duplicate(s); "
                  + "the held notice resent \(resends.count)× with its txnId → the same event")
            finished = true
        } cleanup: {
            if !finished { print("MatrixOwnershipOnSynapse failed:\n\(Self.failureContext([a, b], [relayA, relayB]))") }
            await OwnershipOnTestnetTests.killAll([a, b])
            await relayA.stop()
            await relayB.stop()
            await store.close()
            await setup.cleanUp()
        }
    }

    // MARK: 1b. Rooms joined and left from chat while the standby stood by

    /// The standby started before the owners changed the rooms on the holder: `!join` of a new
    /// room (a job asked there is in flight when the holder dies) and `!part` of a configured
    /// room. The new holder goes by what the database says at the takeover, not at its own
    /// start: the job's result is posted in the joined room, and the room left is not joined
    /// again.
    @Test func theNewHolderGoesByTheRoomsJoinedAndLeftFromChatMeanwhile() async throws {
        let synapse = try Synapse.require()
        let setup = try await Setup.make()
        let database = try await PostgresTestServer.shared.freshDatabase()
        let store = try await OwnershipOnTestnetTests.openStore(database)
        let portB = try await freePort()
        let left = try await setup.user.createRoom(["preset": "public_chat", "name": "mjbridge e2e left"])
        let joinedLater = try await setup.user.createRoom(["preset": "public_chat", "name": "mjbridge e2e joined later"])
        let owner = MatrixClient(homeserver: synapse.url, accessToken: synapse.owner.accessToken)
        for room in [setup.roomID, left] { _ = try await owner.join(room) }
        func botMemberships(in room: String) async -> [String] {
            let page = try? await setup.user.messages(roomID: room, limit: 100)
            return (page?.events ?? []).reversed().filter {
                $0["type"] == "m.room.member" && $0["state_key"]?.stringValue == synapse.bot.userID
            }.compactMap { $0["content"]?["membership"]?.stringValue }
        }
        var a: ChildProcess?
        var b: ChildProcess?
        var finished = false
        try await withCleanup {
            a = try Self.start(setup, "a", text: try Self.config(setup, database: database, port: setup.httpPort, callbackPort: setup.httpPort,
                                                                  homeserver: synapse.url, rooms: [setup.roomID, left]))
            let pidA = Int(try #require(a?.pid))
            _ = try await eventually("a holding the account", timeout: .seconds(90)) {
                try await OwnershipOnTestnetTests.holdings(store)[pidA] == ["synapse"] ? true : nil
            }
            try await pollUntil("the bot in both configured rooms", timeout: .seconds(90)) {
                let (here, there) = (await botMemberships(in: setup.roomID), await botMemberships(in: left))
                return here == ["join"] && there == ["join"]
            }
            b = try Self.start(setup, "b", text: try Self.config(setup, database: database, port: portB, callbackPort: setup.httpPort,
                                                                  homeserver: synapse.url, rooms: [setup.roomID, left]))
            let pidB = Int(try #require(b?.pid))
            _ = try await eventually("b standing by", timeout: .seconds(90)) {
                try await OwnershipOnTestnetTests.holdings(store)[pidB] == [] ? true : nil
            }
            // b has started (it restored the rooms the database had then: none); now the owner
            // changes them on a.
            let join = try await owner.send(roomID: setup.roomID, transactionID: UUID().uuidString,
                                            content: ["msgtype": "m.text", "body": .string("!join \(joinedLater)")])
            // Answered after the decision is in the database (the join happens before it is noted).
            try await setup.waitForAnswer(to: join)
            _ = try await owner.send(roomID: left, transactionID: UUID().uuidString, content: ["msgtype": "m.text", "body": "!part"])
            try await pollUntil("the bot joining one room and leaving the other", timeout: .seconds(90)) {
                let (joined, parted) = (await botMemberships(in: joinedLater), await botMemberships(in: left))
                return joined == ["join"] && parted == ["join", "leave"]
            }
            // A job in the joined room, still drawing when a dies: its lines are owed there.
            await setup.simulator.controls.stick(atPercent: 50)
            let command = try await setup.say("!imagine a fox in the room joined from chat", in: joinedLater)
            try await pollUntil("the acknowledgement in the joined room", timeout: .seconds(90)) {
                await !setup.acknowledgements(of: command, in: joinedLater).isEmpty
            }
            a?.signal(SIGKILL)
            _ = await a?.wait()
            await setup.simulator.controls.stick(atPercent: nil)
            _ = try await eventually("b holding the account", timeout: .seconds(60)) {
                try await OwnershipOnTestnetTests.holdings(store)[pidB] == ["synapse"] ? true : nil
            }
            // Nothing is said in the joined room after the kill: only the database tells b of it.
            try await pollUntil("the result in the room joined from chat", timeout: .seconds(120),
                                context: { Self.failureContext([a, b], []) }) {
                await !setup.results(replyingTo: command, in: joinedLater).isEmpty
            }
            try await setup.waitForAnswer(to: try await setup.say("!ping"))
            #expect(await setup.results(replyingTo: command, in: joinedLater).count == 1)
            #expect(await botMemberships(in: left) == ["join", "leave"], "the room left from chat was not joined again")
            finished = true
        } cleanup: {
            if !finished { print("MatrixOwnershipOnSynapse failed:\n\(Self.failureContext([a, b], []))") }
            await OwnershipOnTestnetTests.killAll([a, b])
            await store.close()
            await setup.cleanUp()
        }
    }

    // MARK: 1c. The holder loses its database session

    /// The server ends the holder's ownership session (as a database restart or a cut link
    /// would; its locks are released at once): the holder stops its sync loop, and the account
    /// is held again by one process — only that one's relay sees `/sync`s from then on, so the
    /// two never follow the account with the same token at once (beyond the moment the old
    /// holder needs to notice, see the README).
    @Test func aHolderThatLosesItsSessionStopsSyncingAndOneProcessFollowsTheAccount() async throws {
        let synapse = try Synapse.require()
        let setup = try await Setup.make()
        let database = try await PostgresTestServer.shared.freshDatabase()
        let store = try await OwnershipOnTestnetTests.openStore(database)
        let relayA = try await HomeserverRelay.start(forwardingTo: synapse.url)
        let relayB = try await HomeserverRelay.start(forwardingTo: synapse.url)
        let portB = try await freePort()
        var a: ChildProcess?
        var b: ChildProcess?
        var finished = false
        try await withCleanup {
            a = try Self.start(setup, "a", text: try Self.config(setup, database: database, port: setup.httpPort,
                                                                  callbackPort: setup.httpPort, homeserver: relayA.url))
            let pidA = Int(try #require(a?.pid))
            _ = try await eventually("a holding the account", timeout: .seconds(90)) {
                try await OwnershipOnTestnetTests.holdings(store)[pidA] == ["synapse"] ? true : nil
            }
            try await setup.waitForTheBotToJoin()
            try await setup.waitForAnswer(to: try await setup.say("!ping"))
            b = try Self.start(setup, "b", text: try Self.config(setup, database: database, port: portB,
                                                                  callbackPort: setup.httpPort, homeserver: relayB.url))
            let pidB = Int(try #require(b?.pid))
            _ = try await eventually("b standing by", timeout: .seconds(90)) {
                try await OwnershipOnTestnetTests.holdings(store)[pidB] == [] ? true : nil
            }

            try await store.query("SELECT pg_terminate_backend(lock_backend_pid) FROM ownership_holders WHERE pid = \(Int32(pidA))")
            // The server ends the session a moment after the call returns: a noticed it when it
            // says so (before that, both processes still show the old holding).
            try await pollUntil("a noticing that its session is gone", timeout: .seconds(30)) {
                a?.log.contains("no longer holding a network") == true
            }
            // Who holds it, as each process's `/health` says (the holders table keeps the cut
            // session's row for a moment): one syncs, the other names it.
            let holder = try await eventually("the account held again by one process, the other standing by", timeout: .seconds(60),
                                              interval: .milliseconds(500)) { () -> Int? in
                let (stateA, stateB) = (await Self.accountState(port: setup.httpPort), await Self.accountState(port: portB))
                if stateA == "syncing", stateB == "standby (held by \(ProcessInfo.processInfo.hostName) pid \(pidA))" { return pidA }
                if stateB == "syncing", stateA == "standby (held by \(ProcessInfo.processInfo.hostName) pid \(pidB))" { return pidB }
                return nil
            }
            #expect(try await OwnershipOnTestnetTests.holdings(store).filter { $0.value.contains("synapse") }.map(\.key) == [holder])
            // Settled: from now on, only the holder's relay sees /syncs.
            try await setup.waitForAnswer(to: try await setup.say("!ping"))
            let (before, otherBefore) = holder == pidA ? (Self.syncs(relayA).count, Self.syncs(relayB).count)
                                                       : (Self.syncs(relayB).count, Self.syncs(relayA).count)
            let after = try await setup.say("!ping")
            try await setup.waitForAnswer(to: after)
            try await Task.sleep(for: .seconds(3))
            let (now, otherNow) = holder == pidA ? (Self.syncs(relayA).count, Self.syncs(relayB).count)
                                                 : (Self.syncs(relayB).count, Self.syncs(relayA).count)
            #expect(now > before, "the holder follows the account")
            #expect(otherNow == otherBefore, "the other process does not sync: \(otherBefore) → \(otherNow)")
            #expect(await setup.replies(to: after).count == 1, "answered once")
            print("MatrixOwnershipOnSynapse session lost: held again by \(holder == pidA ? "the same process (new session)" : "the standby"); "
                  + "/syncs of the holder \(before) → \(now), of the other \(otherBefore) → \(otherNow)")
            finished = true
        } cleanup: {
            if !finished { print("MatrixOwnershipOnSynapse failed:\n\(Self.failureContext([a, b], [relayA, relayB]))") }
            await OwnershipOnTestnetTests.killAll([a, b])
            await relayA.stop()
            await relayB.stop()
            await store.close()
            await setup.cleanUp()
        }
    }

    // MARK: 2. A callback at the standby

    /// Callbacks go to b only, and polls are 10 minutes apart: the result can only reach the
    /// holder a through b's callback, the shared database and NOTIFY. b never speaks to the
    /// homeserver, so the result in the room was sent by a.
    @Test func aCallbackThatReachesTheStandbyIsPostedByTheHolder() async throws {
        let synapse = try Synapse.require()
        let setup = try await Setup.make()
        let database = try await PostgresTestServer.shared.freshDatabase()
        let store = try await OwnershipOnTestnetTests.openStore(database)
        let relayA = try await HomeserverRelay.start(forwardingTo: synapse.url)
        let relayB = try await HomeserverRelay.start(forwardingTo: synapse.url)
        let portB = try await freePort()
        var a: ChildProcess?
        var b: ChildProcess?
        var finished = false
        try await withCleanup {
            a = try Self.start(setup, "a", text: try Self.config(setup, database: database, port: setup.httpPort, callbackPort: portB,
                                                                  homeserver: relayA.url, pollSeconds: 600))
            let pidA = Int(try #require(a?.pid))
            _ = try await eventually("a holding the account", timeout: .seconds(90)) {
                try await OwnershipOnTestnetTests.holdings(store)[pidA] == ["synapse"] ? true : nil
            }
            try await setup.waitForTheBotToJoin()
            b = try Self.start(setup, "b", text: try Self.config(setup, database: database, port: portB, callbackPort: portB,
                                                                  homeserver: relayB.url, pollSeconds: 600))
            let pidB = Int(try #require(b?.pid))
            _ = try await eventually("b standing by", timeout: .seconds(90)) {
                try await OwnershipOnTestnetTests.holdings(store)[pidB] == [] ? true : nil
            }
            let command = try await setup.say("!imagine a fox told through the standby")
            try await setup.waitForAcknowledgement(of: command)
            try await pollUntil("the result, by the callback at b", timeout: .seconds(120),
                                context: { Self.failureContext([a, b], [relayA]) }) {
                await !setup.results(replyingTo: command).isEmpty
            }
            #expect(await setup.results(replyingTo: command).count == 1)
            #expect(try await OwnershipOnTestnetTests.holdings(store)[pidA] == ["synapse"])
            #expect(try await OwnershipOnTestnetTests.holdings(store)[pidB] == [])
            #expect(relayB.uris.isEmpty, "b spoke to the homeserver: \(relayB.uris)")
            #expect(relayA.sends.contains { $0.transactionID.hasPrefix("mjb1.") && $0.transactionID.hasSuffix(".1") },
                    "the result notice went out through a")
            // The proxy called back (b's port is the only address it knows) and nothing else
            // could have told a: its polls are 10 minutes apart.
            let stats = await setup.simulator.controls.stats()
            #expect(stats.callbacksDelivered >= 1 && stats.callbacksFailed == 0, "\(stats)")
            #expect(b?.log.contains("holding a network") == false)
            finished = true
        } cleanup: {
            if !finished { print("MatrixOwnershipOnSynapse failed:\n\(Self.failureContext([a, b], [relayA, relayB]))") }
            await OwnershipOnTestnetTests.killAll([a, b])
            await relayA.stop()
            await relayB.stop()
            await store.close()
            await setup.cleanUp()
        }
    }
}
