import Foundation
import Logging
import PostgresStore
#if canImport(Glibc)
import Glibc
#endif

/// Issue 10: takeover time. Two release `mjbridge run` processes on one PostgreSQL
/// (Scripts/pg-testnet/start.sh, started here) and the repo's IRC testnet (InspIRCd 3 + Atheme):
/// one holds the network, the other stands by. SIGKILL the holder; the time from the kill to
/// the standby's JOIN of the channel, as an IRC user in that channel sees it (the ownership
/// end-to-end test observes it the same way). Five kills: the process that took over becomes
/// the holder, a fresh standby is started and waited for before the next kill.
/// `[store] takeover_seconds` stays at its default (10 s); the bound is that plus the reconnect.
enum TakeoverBenchmark {
    static let kills = ProcessInfo.processInfo.environment["MJBRIDGE_BENCH_TAKEOVERS"].flatMap { Int($0) } ?? 5
    /// `[store] takeover_seconds`'s default (Sources/App/Config/StoreSettings.swift); the bench writes no such key.
    static let defaultTakeoverSeconds = 10.0

    static func run() async throws -> [BenchmarkRow] {
        let binary = URL(fileURLWithPath: ChildRun.selfExecutable).deletingLastPathComponent().appendingPathComponent("mjbridge").path
        let root = FileManager.default.currentDirectoryPath
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            return TakeoverResult.unmeasured("the mjbridge binary is not built next to mjbridge-bench (\(binary))")
        }
        guard FileManager.default.isExecutableFile(atPath: root + "/Scripts/pg-testnet/start.sh") else {
            return TakeoverResult.unmeasured("run from the repository root (Scripts/pg-testnet/start.sh not found)")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-bench-takeover-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let netDir = work.appendingPathComponent("testnet").path
        let pgDir = work.appendingPathComponent("pg").path
        defer { try? FileManager.default.removeItem(at: work) }
        print("takeover: starting the testnet (InspIRCd + Atheme) and PostgreSQL")
        guard try await ChildRun.run(root + "/Scripts/testnet/start.sh", ["--server", "inspircd", netDir], quiet: true) == 0 else {
            return TakeoverResult.unmeasured("Scripts/testnet/start.sh failed (is inspircd installed?)")
        }
        setenv("PG_TESTNET_WATCH_PID", "\(getpid())", 1)
        guard try await ChildRun.run(root + "/Scripts/pg-testnet/start.sh", [pgDir], quiet: true) == 0 else {
            _ = try? await ChildRun.run(root + "/Scripts/testnet/stop.sh", ["--remove", netDir], quiet: true)
            return TakeoverResult.unmeasured("Scripts/pg-testnet/start.sh failed (is postgresql installed?)")
        }
        let rows: [BenchmarkRow]
        do {
            let pg = try PgTestnet(directory: pgDir)
            rows = try await measure(binary: binary, netDir: netDir, pg: pg, work: work).rows()
        } catch {
            print("takeover: failed: \(error)")
            rows = TakeoverResult.unmeasured("failed: \(String(describing: error).prefix(300))")
        }
        _ = try? await ChildRun.run(root + "/Scripts/pg-testnet/stop.sh", ["--remove", pgDir], quiet: true)
        _ = try? await ChildRun.run(root + "/Scripts/testnet/stop.sh", ["--remove", netDir], quiet: true)
        for row in rows { print("takeover: \(row.metric.prefix(60))…: \(row.value)") }
        return rows
    }

    static func measure(binary: String, netDir: String, pg: PgTestnet, work: URL) async throws -> TakeoverResult {
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: netDir + "/env.json"))) as? [String: Any] ?? [:]
        func string(_ key: String) throws -> String {
            guard let value = env[key] as? String else { throw BenchError("env.json has no \(key)") }
            return value
        }
        func int(_ key: String) throws -> Int {
            guard let value = env[key] as? Int else { throw BenchError("env.json has no \(key)") }
            return value
        }
        let host = try string("TESTNET_HOST")
        let nick = "mjt" + String(UUID().uuidString.prefix(6)).lowercased()
        let channel = "#take" + String(UUID().uuidString.prefix(4)).lowercased()
        try pg.password.write(toFile: work.path + "/pg.pass", atomically: true, encoding: .utf8)
        func config(port: Int) throws -> String {
            """
            [bot]
            log_level = "info"

            [proxy]
            base_url = "http://127.0.0.1:9"
            poll_interval_seconds = 5

            [http]
            listen = "127.0.0.1:\(port)"

            [store]
            url = "\(pg.url)"
            password_file = "\(work.path)/pg.pass"

            [[networks]]
            name = "testnet"
            host = "\(host)"
            port = \(try int("TESTNET_TLS_PORT"))
            ca_file = "\(try string("TESTNET_CA"))"
            nick = "\(nick)"
            sasl_mechanism = "plain"
            sasl_account = "\(try string("TESTNET_BOT_ACCOUNT"))"
            sasl_password = "\(try string("TESTNET_BOT_PASSWORD"))"

            [[networks.channels]]
            name = "\(channel)"
            progress = "off"
            """
        }
        var configuration = try PostgresStoreConfiguration(url: pg.url, password: pg.password)
        configuration.maximumConnections = 2
        let store = try await PostgresStore.open(configuration, logger: Logger(label: "bench.takeover"))
        let user = try await BenchIRCUser(host: host, port: try int("TESTNET_PLAIN_PORT"), nick: "w" + String(UUID().uuidString.prefix(7)).lowercased())
        try await user.join(channel)
        var processes: [BotProcess] = []
        func start(_ index: Int) throws -> BotProcess {
            let path = work.path + "/bot\(index).conf"
            try config(port: try StartupBenchmark.freePort()).write(toFile: path, atomically: true, encoding: .utf8)
            let bot = try BotProcess(executable: binary, arguments: ["run", "-c", path], markers: ["holding a network"])
            processes.append(bot)
            return bot
        }
        /// Waits until `bot` shows in the holders table holding `networks` (heartbeat fresh).
        func waitForHolding(_ bot: BotProcess, _ networks: [String], _ what: String) async throws {
            let deadline = ContinuousClock.now + .seconds(90)
            while true {
                let holdings = try await store.processHoldings()
                if holdings.contains(where: { $0.pid == Int(bot.pid) && $0.silentSeconds < 5 && $0.networks == networks }) { return }
                if !bot.process.isRunning || ContinuousClock.now >= deadline {
                    throw BenchError("\(what) not seen; its last lines:\n" + bot.lastLines.joined(separator: "\n"))
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        var samples: [Double] = []
        do {
            var holder = try start(0)
            try await user.waitForJoins(of: nick, to: channel, count: 1, timeout: .seconds(90))
            try await waitForHolding(holder, ["testnet"], "the first process holding testnet")
            for kill in 1...kills {
                let standby = try start(kill)
                try await waitForHolding(standby, [], "the standby standing by")
                let joins = user.joins(of: nick, to: channel)
                Glibc.kill(holder.pid, SIGKILL)
                let killedAt = ContinuousClock.now
                try await user.waitForJoins(of: nick, to: channel, count: joins + 1, timeout: .seconds(120))
                let seconds = StartupBenchmark.seconds(killedAt.duration(to: .now))
                samples.append(seconds)
                _ = await ChildRun.waitForExit(holder.process)
                try await waitForHolding(standby, ["testnet"], "the standby holding testnet")
                print("takeover: kill \(kill): SIGKILL → standby's JOIN \(format(seconds, digits: 2)) s")
                holder = standby
            }
        } catch {
            for bot in processes where bot.process.isRunning { Glibc.kill(bot.pid, SIGKILL) }
            user.quit()
            await store.close()
            throw error
        }
        for bot in processes where bot.process.isRunning { await bot.stop() }
        user.quit()
        await store.close()
        return TakeoverResult(seconds: samples, takeoverSeconds: defaultTakeoverSeconds)
    }
}

/// Scripts/pg-testnet's env.json: where the server listens (loopback, no TLS) and the role's password.
struct PgTestnet {
    let url: String
    let password: String

    init(directory: String) throws {
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/env.json"))) as? [String: Any] ?? [:]
        guard let url = env["PG_TESTNET_URL"] as? String, let password = env["PG_TESTNET_PASSWORD"] as? String else {
            throw BenchError("\(directory)/env.json has no PG_TESTNET_URL or PG_TESTNET_PASSWORD")
        }
        self.url = url.contains("?") ? url : url + "?sslmode=disable"
        self.password = password
    }
}
