import App
import AsyncHTTPClient
import Foundation
import Matrix
import MatrixTestSupport
import PostgresTestSupport
import Testing
import TestnetSupport
#if canImport(Glibc)
import Glibc
#endif

/// An IRC network (the real InspIRCd + Atheme) and a Matrix account (the real Synapse) in one
/// config, real `mjbridge run` processes on one real PostgreSQL, `max_networks_per_process = 1`:
/// the account is spread like a network (one process holds the IRC network, another the
/// account), each answers on its own transport, and the cap holds when the account's holder
/// dies (the survivor does not take a second one; a new process does).
@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: !Testnet.skipRequested, Testnet.skipReason),
       .disabled(if: Synapse.skipRequested, Synapse.skipReason),
       .disabled(if: PostgresTestServer.skipRequested, PostgresTestServer.skipReason), .testnet, .synapse)
struct IRCAndMatrixOwnershipTests {
    /// `/health` of the process on `port`: (networks, matrix account states).
    static func health(port: Int) async -> (networks: [String: String], matrix: [String: String])? {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health")
        request.method = .GET
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(10)),
              let body = try? await response.body.collect(upTo: 1 << 20),
              let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
              let networks = json["networks"] as? [String: String],
              let matrix = json["matrix"] as? [String: [String: Any]] else { return nil }
        return (networks, matrix.compactMapValues { $0["state"] as? String })
    }

    @Test func aMatrixAccountIsSpreadLikeANetworkAndTheCapHoldsWhenItsHolderDies() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let matrix = try await MatrixBotOnSynapseTests.Setup.make()
        let database = try await PostgresTestServer.shared.freshDatabase()
        let store = try await OwnershipOnTestnetTests.openStore(database)
        var ports = [harness.httpPort]
        for _ in 0..<2 { ports.append(try await freePort()) }
        func config(_ port: Int) throws -> String {
            try OwnershipOnTestnetTests.config(harness, database: database, port: port, callbackPort: harness.httpPort) + """

                max_networks_per_process = 1

                [[matrix]]
                name = "synapse"
                homeserver = "\(matrix.synapse.url)"
                user_id = "\(matrix.synapse.bot.userID)"
                access_token = "\(matrix.synapse.bot.accessToken)"
                rooms = ["\(matrix.roomID)"]
                """
        }
        var processes: [ChildProcess?] = []
        var finished = false
        try await withCleanup {
            let user = try await harness.user()
            for index in 0..<2 {
                processes.append(try OwnershipOnTestnetTests.start(harness, "p\(index)", text: try config(ports[index])))
            }
            let pids = processes.compactMap { $0?.pid }.map(Int.init)
            let spread = try await eventually("one of the two held by each process", timeout: .seconds(120)) {
                let holdings = try await OwnershipOnTestnetTests.holdings(store)
                return pids.allSatisfy({ holdings[$0]?.count == 1 }) ? holdings : nil
            }
            #expect(Set(spread.values.flatMap { $0 }) == ["testnet", "synapse"])
            let ircIndex = try #require(pids.firstIndex { spread[$0] == ["testnet"] })
            let matrixIndex = 1 - ircIndex

            // Each answers on its own transport.
            _ = try await user.expect("the bot joining", timeout: .seconds(90)) { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            await user.send("PRIVMSG \(harness.channel) :!ping")
            _ = try await user.said(by: harness.nick, "pong on IRC") { $0.lowercased().contains("pong") }
            try await matrix.waitForTheBotToJoin()
            let ping = try await matrix.say("!ping")
            try await matrix.waitForAnswer(to: ping)
            // And each names the other as the holder of what it does not hold.
            let ircSide = try await eventually("/health of the IRC holder") { await Self.health(port: ports[ircIndex]) }
            let matrixSide = try await eventually("/health of the Matrix holder") { await Self.health(port: ports[matrixIndex]) }
            #expect(ircSide.networks["testnet"] == "registered")
            #expect(ircSide.matrix["synapse"] == "standby (held by \(ProcessInfo.processInfo.hostName) pid \(pids[matrixIndex]))",
                    "\(ircSide)")
            #expect(matrixSide.matrix["synapse"] == "syncing")
            #expect(matrixSide.networks["testnet"] == "standby (held by \(ProcessInfo.processInfo.hostName) pid \(pids[ircIndex]))",
                    "\(matrixSide)")

            // The account's holder dies: the survivor holds its one network already and does
            // not take the account (its cap); the account has no holder until a third process
            // starts, which takes it and answers in the room.
            let killed = try #require(processes[matrixIndex])
            killed.signal(SIGKILL)
            _ = await killed.wait()
            processes[matrixIndex] = nil
            let orphaned = try await eventually("the survivor saying the account has no holder", timeout: .seconds(60)) {
                await Self.health(port: ports[ircIndex]).flatMap { $0.matrix["synapse"] == "standby (no holder)" ? $0 : nil }
            }
            #expect(orphaned.networks["testnet"] == "registered")
            // Several attempt intervals (1 s each with takeover_seconds = 5): still not taken.
            try await Task.sleep(for: .seconds(4))
            #expect(try await OwnershipOnTestnetTests.holdings(store)[pids[ircIndex]] == ["testnet"])

            processes.append(try OwnershipOnTestnetTests.start(harness, "p2", text: try config(ports[2])))
            let third = Int(try #require(processes.last??.pid))
            let startedAt = ContinuousClock.now
            _ = try await eventually("the third process holding the account", timeout: .seconds(120)) {
                try await OwnershipOnTestnetTests.holdings(store)[third] == ["synapse"] ? true : nil
            }
            let heldAfter = startedAt.duration(to: .now)
            let again = try await matrix.say("!ping")
            try await matrix.waitForAnswer(to: again)
            #expect(await matrix.replies(to: ping).count == 1, "the first ping was not answered again")
            #expect(try await OwnershipOnTestnetTests.holdings(store)[pids[ircIndex]] == ["testnet"])
            print("IRCAndMatrixOwnership: one process held testnet, the other the Matrix account; after a SIGKILL of the "
                  + "account's holder the survivor kept to its cap; a third process held the account \(heldAfter) after it was started")
            finished = true
        } cleanup: {
            if !finished {
                for case let process? in processes { print("--- \(process.logPath):\n\(process.log.suffix(5000))") }
            }
            await OwnershipOnTestnetTests.killAll(processes)
            await store.close()
            await matrix.cleanUp()
            await harness.cleanUp()
        }
    }
}
