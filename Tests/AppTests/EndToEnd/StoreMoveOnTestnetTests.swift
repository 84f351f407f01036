import Foundation
import PostgresTestSupport
import Testing
import TestnetSupport
#if canImport(Glibc)
import Glibc
#endif

/// `mjbridge migrate-store` end to end with the real binary: a bot (`mjbridge run`) on its SQLite
/// file takes jobs on the real InspIRCd + Atheme, the simulator holds them unfinished, the bot
/// is stopped, the file is copied into the real PostgreSQL (refused while the bot still runs),
/// and a bot on the PostgreSQL store delivers the moved tasks' results — once each, by the
/// proxy's callbacks signed before the move, and nothing said before the move is said again.
@Suite(.serialized, .timeLimit(.minutes(10)),
       .enabled(if: !Testnet.skipRequested && !PostgresTestServer.skipRequested, Testnet.skipReason), .testnet)
struct StoreMoveOnTestnetTests {
    /// The harness's config with the testnet's owner account as owner (for `!pending`), and,
    /// when given, the shared store instead of the SQLite file.
    static func config(_ harness: BotHarness, pollSeconds: Double, store: PostgresTestServer.Database? = nil) -> String {
        let owners = "owners = [\"\(harness.net.botAccount)-owner\"]"
        var text = harness.configText(callbacks: true, pollSeconds: pollSeconds)
        precondition(text.contains(owners), "BotHarness.configText changed its owners line")
        text = text.replacingOccurrences(of: owners, with: "owners = [\"\(harness.net.ownerAccount)\"]")
        guard let store else { return text }
        return text + """

            [store]
            url = "\(store.url)"
            password_file = "pg.pass"
            """
    }

    /// Whether `line` names task reference `ref` (not a longer one that starts with it).
    static func names(_ line: String, ref: String) -> Bool {
        line.range(of: "ref \(ref)(?![0-9])", options: .regularExpression) != nil
    }

    static func start(_ harness: BotHarness, _ name: String, _ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(ChildProcess.mjbridgeExecutable, arguments, logPath: harness.directory.appendingPathComponent("\(name).log").path)
    }

    @Test func pendingTasksMovedFromSQLiteToPostgresAreDeliveredOnceByTheBotThere() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let database = try await PostgresTestServer.shared.freshDatabase()
        let passwordFile = harness.directory.appendingPathComponent("pg.pass").path
        try database.password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let sqlitePath = harness.directory.appendingPathComponent("bot.sqlite").path
        let sqliteConfig = harness.directory.appendingPathComponent("sqlite.conf").path
        let postgresConfig = harness.directory.appendingPathComponent("postgres.conf").path
        // Polls once a minute on SQLite (results before the move come by callback), every 10
        // minutes on PostgreSQL: there, only the proxy's callbacks — to the URL with the secret
        // generated on SQLite — can tell the bot that the moved tasks finished.
        try Self.config(harness, pollSeconds: 60).write(toFile: sqliteConfig, atomically: true, encoding: .utf8)
        try Self.config(harness, pollSeconds: 600, store: database).write(toFile: postgresConfig, atomically: true, encoding: .utf8)
        var children: [ChildProcess] = []
        var reaped = Set<pid_t>()
        /// Waits (a failing deadline) for `child` to exit and returns its code.
        func exitCode(of child: ChildProcess, _ what: String, within seconds: Double = 180) async throws -> Int32 {
            guard let code = await SingleInstanceTests.exitCode(of: child, within: seconds) else {
                throw ChildProcessError("\(what) still running after \(seconds) s:\n\(child.log.suffix(3000))")
            }
            reaped.insert(child.pid)
            return code
        }

        try await withCleanup {
            let user = try await harness.user()
            try await user.identify(account: net.ownerAccount, password: net.ownerPassword)
            let me = await user.nick
            let onSQLite = try Self.start(harness, "sqlite-bot", ["run", "-c", sqliteConfig])
            children.append(onSQLite)
            _ = try await user.expect("the bot on SQLite joining", timeout: .seconds(90)) {
                $0.command == "JOIN" && $0.source?.nick == harness.nick
            }

            // One job finished and said before the move: it must not be said again after it.
            await user.send("PRIVMSG \(harness.channel) :!imagine a fox said before the move")
            let earlyAck = try await user.said(by: harness.nick, "the acknowledgement before the move") { $0.contains("ref ") }
            let early = try #require(BotOnTestnetTests.reference(in: earlyAck), "no ref in \(earlyAck)")
            _ = try await user.said(by: harness.nick, "the result before the move", timeout: .seconds(90)) {
                $0.contains("✅") && Self.names($0, ref: early)
            }

            // Two jobs the proxy holds at 50 % while the bot is stopped and moved.
            await harness.simulator.controls.stick(atPercent: 50)
            let prompts = ["a first fox moved to postgres", "a second fox moved to postgres"]
            var refs: [String] = []
            for prompt in prompts {
                await user.send("PRIVMSG \(harness.channel) :!imagine \(prompt)")
                let ack = try await user.said(by: harness.nick, "the acknowledgement of \(prompt)") { $0.contains(prompt) && $0.contains("ref ") }
                refs.append(try #require(BotOnTestnetTests.reference(in: ack), "no ref in \(ack)"))
            }
            let parked = try await eventually("both jobs held by the proxy", timeout: .seconds(60), interval: .milliseconds(200)) {
                let parked = await harness.simulator.controls.parkedTasks()
                return parked.count == prompts.count ? parked : nil
            }
            #expect(Set(parked.map(\.prompt)) == Set(prompts))

            // The copy refuses while the bot holds the SQLite file, and writes nothing.
            let refused = try Self.start(harness, "migrate-refused", [
                "migrate-store", "--from", sqlitePath, "--to", database.url, "--password-file", passwordFile])
            children.append(refused)
            #expect(try await exitCode(of: refused, "the refused migrate-store") == 1, "\(refused.log)")
            #expect(refused.log.contains("in use by process \(onSQLite.pid)"), "the refusal names the bot: \(refused.log)")
            #expect(try await ProcessesMigratingTogetherTests.sql(
                database, passwordFile: passwordFile, "SELECT to_regclass('mjbridge_migrations') IS NULL") == "t",
                "nothing written to PostgreSQL by the refused copy")

            // The bot stops (SIGTERM): a clean exit, its QUIT seen.
            onSQLite.signal(SIGTERM)
            #expect(try await exitCode(of: onSQLite, "the bot on SQLite after SIGTERM") == 0, "\(onSQLite.log.suffix(3000))")
            _ = try await user.expect("the bot quitting") { $0.command == "QUIT" && $0.source?.nick == harness.nick }

            let copyStarted = ContinuousClock.now
            let copy = try Self.start(harness, "migrate", [
                "migrate-store", "--from", sqlitePath, "--to", database.url, "--password-file", passwordFile])
            children.append(copy)
            #expect(try await exitCode(of: copy, "migrate-store") == 0, "\(copy.log)")
            let copyTook = copyStarted.duration(to: .now)
            let summary = copy.log
            #expect(summary.contains("copied in one transaction"), "\(summary)")
            #expect(summary.range(of: #"\n\s+task\s+3 → 3\n"#, options: .regularExpression) != nil, "three tasks copied: \(summary)")

            // The bot on PostgreSQL: back in the channel, and the two moved tasks are pending.
            let onPostgres = try Self.start(harness, "postgres-bot", ["run", "-c", postgresConfig])
            children.append(onPostgres)
            _ = try await user.expect("the bot on PostgreSQL joining", timeout: .seconds(90)) {
                $0.command == "JOIN" && $0.source?.nick == harness.nick
            }
            #expect(onPostgres.log.contains("using the shared PostgreSQL store"), "\(onPostgres.log.suffix(3000))")
            await user.send("PRIVMSG \(harness.channel) :!pending")
            let pending = try await user.said(by: harness.nick, "the !pending report on PostgreSQL") { $0.hasPrefix("\(me): ") }
            #expect(pending.hasPrefix("\(me): 2 tasks pending"), "\(pending)")

            // The proxy finishes both: its callbacks (signed with the secret made on SQLite) reach
            // the bot on PostgreSQL, which says each result.
            let before = await harness.simulator.controls.stats()
            let finishedAt = ContinuousClock.now
            for task in parked { #expect(await harness.simulator.controls.completeParked(task.id), "\(task.prompt) was parked") }
            let moved = refs
            var firstResult: Duration?
            _ = try await eventually("both moved results in the channel", timeout: .seconds(90), interval: .milliseconds(100)) {
                let results = await user.privmsgs(from: harness.nick, to: harness.channel).filter { $0.contains("✅") }
                let seen = moved.filter { ref in results.contains { Self.names($0, ref: ref) } }
                if !seen.isEmpty, firstResult == nil { firstResult = finishedAt.duration(to: .now) }
                return seen.count == moved.count ? true : nil
            }
            let resultsTook = finishedAt.duration(to: .now)
            let after = await harness.simulator.controls.stats()
            #expect(after.callbacksFailed == before.callbacksFailed, "a callback was refused after the move: \(before) → \(after)")
            #expect(after.callbacksDelivered >= before.callbacksDelivered + 2, "\(before) → \(after)")

            // The moved ids work as before: a button on a moved task by its full proxy task id.
            await harness.simulator.controls.stick(atPercent: nil)
            let grid = try #require(parked.first { $0.prompt == prompts[0] })
            await user.send("PRIVMSG \(harness.channel) :!u2 \(grid.id)")
            let upscaleAck = try await user.said(by: harness.nick, "the acknowledgement of !u2 on a moved task") {
                $0.contains("u2 of") && $0.contains(prompts[0]) && $0.contains("ref ")
            }
            let upscale = try #require(BotOnTestnetTests.reference(in: upscaleAck), "no ref in \(upscaleAck)")
            _ = try await user.said(by: harness.nick, "the upscale's result", timeout: .seconds(90)) {
                $0.contains("✅") && Self.names($0, ref: upscale)
            }

            // A ping proves everything said before it has arrived; then count.
            try await Task.sleep(for: .seconds(3))
            await user.send("PRIVMSG \(harness.nick) :!ping")
            _ = try await user.said(by: harness.nick, "pong") { $0.lowercased().contains("pong") }
            let said = await user.privmsgs(from: harness.nick, to: harness.channel)
            for ref in [early] + refs + [upscale] {
                let results = said.filter { $0.contains("✅") && Self.names($0, ref: ref) }
                let acks = said.filter { $0.contains("⏳") && Self.names($0, ref: ref) }
                #expect(results.count == 1, "result of \(ref) said \(results.count) times: \(results)")
                #expect(acks.count == 1, "acknowledgement of \(ref) said \(acks.count) times: \(acks)")
            }

            print("StoreMoveOnTestnet: migrate-store (process start to exit) took \(copyTook); after the proxy finished the two "
                  + "moved tasks (callbacks only), the first result was said after \(firstResult.map { "\($0)" } ?? "?"), both after "
                  + "\(resultsTook) (a result is 5 lines here, paced by flood control); each result and acknowledgement said once. "
                  + "migrate-store printed:\n\(summary)")
            onPostgres.signal(SIGTERM)
            #expect(try await exitCode(of: onPostgres, "the bot on PostgreSQL after SIGTERM") == 0, "\(onPostgres.log.suffix(3000))")
            for child in [onSQLite, onPostgres] {
                #expect(!child.log.contains("stopped by an error"), "\(child.log.suffix(3000))")
            }
        } cleanup: {
            for child in children where !reaped.contains(child.pid) {
                child.signal(SIGKILL)
                _ = await child.wait()
            }
            await harness.cleanUp()
        }
    }
}
