import App
import Foundation
import IRC
import Logging
@testable import PostgresStore
import PostgresTestSupport
import Store
import Testing
import TestnetSupport
#if canImport(Glibc)
import Glibc
#endif

/// Several real `mjbridge run` processes on one real PostgreSQL (Scripts/pg-testnet) and the
/// real InspIRCd + Atheme: one holds the network, the others stand by; a SIGKILLed holder's
/// network is taken over and every result arrives once; a callback that reaches a standby is
/// delivered by the holder; three processes spread three networks and stopping one moves its
/// network. Every child is killed when a test ends, failed or not.
@Suite(.serialized, .timeLimit(.minutes(10)),
       .enabled(if: !Testnet.skipRequested && !PostgresTestServer.skipRequested, Testnet.skipReason), .testnet)
struct OwnershipOnTestnetTests {
    /// One bot process: its own config file (its own HTTP port), the shared database.
    struct Member {
        let name: String
        let port: Int
        let config: String
        var process: ChildProcess?
    }

    /// The harness's bot config with the shared store instead of the SQLite file, its own
    /// listener, callbacks to `callbackPort` and, when given, other `[[networks]]` tables.
    static func config(_ harness: BotHarness, database: PostgresTestServer.Database, port: Int, callbackPort: Int?,
                       pollSeconds: Double = 1, networks: String? = nil, takeover: Double = 5) throws -> String {
        var text = harness.configText(callbacks: true, pollSeconds: pollSeconds)
        text = text.replacingOccurrences(of: "listen = \"127.0.0.1:\(harness.httpPort)\"", with: "listen = \"127.0.0.1:\(port)\"")
        text = text.replacingOccurrences(of: "public_base_url = \"http://127.0.0.1:\(harness.httpPort)\"",
                                         with: "public_base_url = \"\(callbackPort.map { "http://127.0.0.1:\($0)" } ?? "")\"")
        if let networks, let start = text.range(of: "[[networks]]") {
            text = String(text[..<start.lowerBound]) + networks
        }
        try database.password.write(to: harness.directory.appendingPathComponent("pg.pass"), atomically: true, encoding: .utf8)
        return text + """

            [store]
            url = "\(database.url)"
            password_file = "pg.pass"
            takeover_seconds = \(takeover)
            """
    }

    static func start(_ harness: BotHarness, _ name: String, text: String) throws -> ChildProcess {
        let path = harness.directory.appendingPathComponent("\(name).conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", path],
                                logPath: harness.directory.appendingPathComponent("\(name).log").path)
    }

    static func openStore(_ database: PostgresTestServer.Database) async throws -> PostgresStore {
        var configuration = try PostgresStoreConfiguration(url: database.url, password: database.password)
        configuration.maximumConnections = 2
        return try await PostgresStore.open(configuration, logger: Logger(label: "test.pg"))
    }

    /// Which process (by pid) holds which networks, from the holders table.
    static func holdings(_ store: PostgresStore) async throws -> [Int: [String]] {
        var byPid: [Int: [String]] = [:]
        for holding in try await store.processHoldings() where holding.silentSeconds < 5 { byPid[holding.pid] = holding.networks }
        return byPid
    }

    /// Kills every child still running and prints its log tail when the test failed.
    static func killAll(_ processes: [ChildProcess?]) async {
        for case let process? in processes {
            process.signal(SIGKILL)
            _ = await process.wait()
        }
    }

    // MARK: 1. SIGKILL the holder with jobs in flight

    @Test func theStandbyTakesOverFromAKilledHolderAndEachResultArrivesOnce() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let database = try await PostgresTestServer.shared.freshDatabase()
        let store = try await Self.openStore(database)
        let portB = try await freePort()
        var a: ChildProcess?
        var b: ChildProcess?
        try await withCleanup {
            let user = try await harness.user()
            // Callbacks to the first process: when it dies they are lost, and the new holder's
            // polls find the results (the harder case).
            a = try Self.start(harness, "a", text: try Self.config(harness, database: database, port: harness.httpPort,
                                                                    callbackPort: harness.httpPort))
            _ = try await user.expect("the bot joining", timeout: .seconds(90)) { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            let pidA = try #require(a?.pid)
            _ = try await eventually("a holding testnet") { try await Self.holdings(store)[Int(pidA)] == ["testnet"] ? true : nil }
            b = try Self.start(harness, "b", text: try Self.config(harness, database: database, port: portB, callbackPort: harness.httpPort))
            let pidB = try #require(b?.pid)
            _ = try await eventually("b standing by", timeout: .seconds(60)) {
                try await Self.holdings(store)[Int(pidB)] == [] ? true : nil
            }

            let foxes = ["first kill fox", "second kill fox", "third kill fox"]
            await harness.simulator.controls.stick(atPercent: 50)
            var refs: [String] = []
            for fox in foxes {
                await user.send("PRIVMSG \(harness.channel) :!imagine \(fox)")
                let ack = try await user.said(by: harness.nick, "the acknowledgement of \(fox)") { $0.contains(fox) && $0.contains("ref ") }
                refs.append(try #require(BotOnTestnetTests.reference(in: ack), "no ref in \(ack)"))
            }
            // The jobs finish; the holder dies as the first result reaches the channel, the
            // other two are in flight (committed or about to be, not yet said).
            await harness.simulator.controls.stick(atPercent: nil)
            _ = try await user.said(by: harness.nick, "the first result", timeout: .seconds(60)) { $0.contains("✅") }
            a?.signal(SIGKILL)
            let killedAt = ContinuousClock.now
            // The same clock as the bots' marks (`sent_at`): a mark dated after it is not A's.
            let killedAtDate = Date()
            _ = await a?.wait()
            _ = try await user.expect("the bot quitting", timeout: .seconds(60)) { $0.command == "QUIT" && $0.source?.nick == harness.nick }
            _ = try await user.expect("the standby joining", timeout: .seconds(60)) {
                $0.command == "JOIN" && $0.source?.nick == harness.nick
            }
            let takeover = killedAt.duration(to: .now)
            #expect(try await Self.holdings(store)[Int(pidB)] == ["testnet"])

            let arrived = try await eventually("all three results", timeout: .seconds(90), interval: .milliseconds(250)) {
                let results = await user.privmsgs(from: harness.nick, to: harness.channel).filter { $0.contains("✅") }
                return refs.allSatisfy { ref in results.contains { $0.contains("ref \(ref)") } } ? results : nil
            }
            // Poll cycles later, a ping proves everything said before it has arrived.
            try await Task.sleep(for: .seconds(4))
            await user.send("PRIVMSG \(harness.nick) :ping")
            _ = try await user.said(by: harness.nick, "pong") { $0.lowercased().contains("pong") }
            let results = await user.privmsgs(from: harness.nick, to: harness.channel).filter { $0.contains("✅") }
            var duplicates = 0
            for ref in refs {
                let copies = results.filter { $0.contains("ref \(ref)") }.count
                #expect(copies >= 1)
                duplicates += max(0, copies - 1)
            }
            #expect(duplicates <= 1, "at most the one confirmed-send duplicate of a crash: \(results)")
            #expect(arrived.count >= 3)
            // What the claim stamps can prove: a line is stamped when a claim by a new session
            // takes it, so the standby's first claim restamps every line still owed. Every line
            // marked after the kill (A was dead: B said and marked it) therefore carries B's
            // lock session, the line A had written but not marked included. (Lines A marked
            // before the kill keep A's stamp; superseded progress lines are marked without
            // being said, maybe unclaimed.) B's session is read now: were it reopened since its
            // claims, the check would fail, and that would be worth a look too.
            let lockB = try await store.query("SELECT lock_backend_pid FROM ownership_holders WHERE pid = \(Int32(pidB))")
                .first?.decode(Int32.self)
            // Every line marked (the answer to the ping too: B said it after the kill).
            _ = try await eventually("every line marked", timeout: .seconds(30), interval: .milliseconds(250)) {
                try await store.query("""
                    SELECT count(*)::int8 FROM outbox WHERE sent_at IS NULL AND dead_lettered_at IS NULL
                    """).first?.decode(Int64.self) == 0 ? true : nil
            }
            let afterKill = try await store.query("""
                SELECT claimed_by FROM outbox WHERE sent_at > \(killedAtDate) AND NOT is_progress
                """).map { try $0.decode(Int32?.self) }
            #expect(!afterKill.isEmpty, "lines were said by the new holder (the answer to the ping at least)")
            #expect(lockB != nil && afterKill.allSatisfy { $0 == lockB },
                    "every line marked after the kill was claimed by B's lock session \(String(describing: lockB)): \(afterKill)")
            print("OwnershipOnTestnet SIGKILL: takeover (kill → standby's JOIN) \(takeover), "
                  + "3 results, \(duplicates) duplicate line(s)")
        } cleanup: {
            await Self.killAll([a, b])
            await store.close()
            await harness.cleanUp()
        }
    }

    // MARK: 1b. The holder loses its database session

    /// The server ends the holder's ownership session (as a database restart or a cut link
    /// would): the holder stops its network at once (QUIT), and the network is held again, by
    /// one process, shortly after.
    @Test func aHolderThatLosesItsSessionStopsItsNetworkAtOnce() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let database = try await PostgresTestServer.shared.freshDatabase()
        let store = try await Self.openStore(database)
        let portB = try await freePort()
        var a: ChildProcess?
        var b: ChildProcess?
        try await withCleanup {
            let user = try await harness.user()
            a = try Self.start(harness, "a", text: try Self.config(harness, database: database, port: harness.httpPort,
                                                                    callbackPort: harness.httpPort))
            _ = try await user.expect("the bot joining", timeout: .seconds(90)) { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            let pidA = try #require(a?.pid)
            _ = try await eventually("a holding testnet") { try await Self.holdings(store)[Int(pidA)] == ["testnet"] ? true : nil }
            b = try Self.start(harness, "b", text: try Self.config(harness, database: database, port: portB, callbackPort: harness.httpPort))
            let pidB = try #require(b?.pid)
            _ = try await eventually("b standing by", timeout: .seconds(60)) { try await Self.holdings(store)[Int(pidB)] == [] ? true : nil }

            let cutAt = ContinuousClock.now
            try await store.query("SELECT pg_terminate_backend(lock_backend_pid) FROM ownership_holders WHERE pid = \(Int32(pidA))")
            _ = try await user.expect("the holder quitting", timeout: .seconds(30)) { $0.command == "QUIT" && $0.source?.nick == harness.nick }
            let stopped = cutAt.duration(to: .now)
            _ = try await user.expect("the network held again", timeout: .seconds(60)) { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            let holders = try await eventually("one holder of testnet") {
                let holding = try await Self.holdings(store).filter { $0.value.contains("testnet") }.map(\.key)
                return holding.count == 1 ? holding : nil
            }
            print("OwnershipOnTestnet session lost: the holder's QUIT was seen \(stopped) after the server was asked to end its session; "
                  + "held again by \(holders[0] == Int(pidA) ? "the same process (new session)" : "the standby")")
        } cleanup: {
            await Self.killAll([a, b])
            await store.close()
            await harness.cleanUp()
        }
    }

    // MARK: 2. A callback at the standby

    @Test func aCallbackThatReachesTheStandbyIsDeliveredByTheHolder() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let database = try await PostgresTestServer.shared.freshDatabase()
        let store = try await Self.openStore(database)
        let portB = try await freePort()
        var a: ChildProcess?
        var b: ChildProcess?
        try await withCleanup {
            let user = try await harness.user()
            // Callbacks go to b only; polls are every 10 minutes: a result can only reach the
            // holder a through b's callback, the shared database and NOTIFY.
            a = try Self.start(harness, "a", text: try Self.config(harness, database: database, port: harness.httpPort,
                                                                    callbackPort: portB, pollSeconds: 600))
            _ = try await user.expect("the bot joining", timeout: .seconds(90)) { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            let pidA = try #require(a?.pid)
            _ = try await eventually("a holding testnet") { try await Self.holdings(store)[Int(pidA)] == ["testnet"] ? true : nil }
            b = try Self.start(harness, "b", text: try Self.config(harness, database: database, port: portB, callbackPort: portB,
                                                                    pollSeconds: 600))
            let pidB = try #require(b?.pid)
            _ = try await eventually("b standing by", timeout: .seconds(60)) { try await Self.holdings(store)[Int(pidB)] == [] ? true : nil }

            await user.send("PRIVMSG \(harness.channel) :!imagine a fox told through the standby")
            _ = try await user.said(by: harness.nick, "the acknowledgement") { $0.contains("standby") && $0.contains("ref ") }
            let result = try await user.said(by: harness.nick, "the result, by callback at b", timeout: .seconds(60)) { $0.contains("✅") }
            #expect(result.contains("standby"))
            // Only a holds the network (b never connected): the line came from a.
            #expect(try await Self.holdings(store)[Int(pidA)] == ["testnet"])
            #expect(try await Self.holdings(store)[Int(pidB)] == [])
            let logB = b?.log ?? ""
            #expect(!logB.contains("holding a network"), "b took the network: \(logB.suffix(2000))")
        } cleanup: {
            await Self.killAll([a, b])
            await store.close()
            await harness.cleanUp()
        }
    }

    // MARK: 3. Three processes, three networks

    @Test func threeProcessesSpreadThreeNetworksAndStoppingOneMovesItsNetwork() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let database = try await PostgresTestServer.shared.freshDatabase()
        let store = try await Self.openStore(database)
        // Three networks on the one server, each with a nick of its own.
        let nicks = (1...3).map { _ in uniqueName("mjn") }
        let networks = nicks.enumerated().map { index, nick in
            """
            [[networks]]
            name = "net\(index + 1)"
            host = "\(net.host)"
            port = \(net.tlsPort)
            ca_file = "\(net.caFile)"
            nick = "\(nick)"
            flood_burst = 5
            flood_interval_seconds = 1
            quit_message = "e2e bye"
            channels = ["\(harness.channel)"]

            """
        }.joined()
        var ports = [harness.httpPort]
        for _ in 0..<2 { ports.append(try await freePort()) }
        var processes: [ChildProcess?] = []
        try await withCleanup {
            let user = try await harness.user()
            for (index, port) in ports.enumerated() {
                processes.append(try Self.start(harness, "p\(index)", text: try Self.config(
                    harness, database: database, port: port, callbackPort: nil, networks: networks)))
            }
            for nick in nicks {
                _ = try await eventually("\(nick) in the channel", timeout: .seconds(120)) {
                    await user.lines().contains { $0.contains(" JOIN ") && $0.hasPrefix(":\(nick)!") } ? true : nil
                }
            }
            let pids = processes.compactMap { $0?.pid }.map(Int.init)
            let spread = try await eventually("one network per process", timeout: .seconds(60)) {
                let holdings = try await Self.holdings(store)
                return pids.allSatisfy({ holdings[$0]?.count == 1 }) ? holdings : nil
            }
            #expect(Set(spread.values.flatMap { $0 }) == ["net1", "net2", "net3"])

            // Stop the process holding net2: its nick says QUIT, and another process takes it over.
            let index = try #require(pids.firstIndex { spread[$0] == ["net2"] })
            let stopping = try #require(processes[index])
            stopping.signal(SIGTERM)
            let stoppedAt = ContinuousClock.now
            #expect(await stopping.wait() == 0, "\(stopping.log.suffix(2000))")
            processes[index] = nil
            _ = try await eventually("net2 held again", timeout: .seconds(60)) {
                let holdings = try await Self.holdings(store)
                return holdings.values.contains { $0.contains("net2") } && holdings[pids[index]] == nil ? true : nil
            }
            let moved = stoppedAt.duration(to: .now)
            let holdings = try await Self.holdings(store)
            #expect(holdings.values.flatMap { $0 }.sorted() == ["net1", "net2", "net3"])
            #expect(holdings.count == 2)
            let rejoined = try await eventually("net2's nick back in the channel", timeout: .seconds(60)) {
                await user.lines().filter { $0.contains(" JOIN ") && $0.hasPrefix(":\(nicks[1])!") }.count >= 2 ? true : nil
            }
            #expect(rejoined)
            print("OwnershipOnTestnet spread: 3 processes held one network each; SIGTERM → net2 held elsewhere after \(moved)")
        } cleanup: {
            await Self.killAll(processes)
            await store.close()
            await harness.cleanUp()
        }
    }
}
