import Foundation
import MidjourneySimulator
#if canImport(Glibc)
import Glibc
#endif

/// Issue 9, item 5: start-up and footprint of the release `mjbridge run` against the repo's real
/// testnet (InspIRCd 3 + Atheme, Scripts/testnet/start.sh) over TLS on loopback, with SASL PLAIN.
///
/// - Start: from just before the fork/exec of `mjbridge run -c FILE` to the bot's log line
///   "registered as NICK", which it writes when the server's 001 arrives; median of 10 starts.
/// - Idle RSS: the bot registered and in its channel, 10 s after joining, nothing to do.
/// - RSS after 1,000 jobs: a user in the channel sends `!imagine` in waves of 25 and waits for
///   each result; RSS is read every 100 jobs. For this phase only the testnet's connect class
///   is relaxed (no fake lag, high command rate, restarted InspIRCd) and the bot's own flood
///   control opened (`flood_burst = 100`, `flood_interval_seconds = 0`): at the stock one line
///   per second, 2,000 bot lines would take over half an hour. The simulator runs in this
///   process (instant jobs), callbacks on.
enum StartupBenchmark {
    /// MJBRIDGE_BENCH_STARTS and MJBRIDGE_BENCH_JOBS change these (diagnosis; the suite uses the defaults).
    static let starts = ProcessInfo.processInfo.environment["MJBRIDGE_BENCH_STARTS"].flatMap { Int($0) } ?? 10
    static let jobs = ProcessInfo.processInfo.environment["MJBRIDGE_BENCH_JOBS"].flatMap { Int($0) } ?? 1_000
    static let wave = 25

    static func run() async throws -> [BenchmarkRow] {
        let binary = URL(fileURLWithPath: ChildRun.selfExecutable).deletingLastPathComponent().appendingPathComponent("mjbridge").path
        let root = FileManager.default.currentDirectoryPath
        let startScript = root + "/Scripts/testnet/start.sh"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            return StartupResult.unmeasured("the release mjbridge binary is not built next to mjbridge-bench (\(binary))")
        }
        guard FileManager.default.isExecutableFile(atPath: startScript) else {
            return StartupResult.unmeasured("run from the repository root (Scripts/testnet/start.sh not found)")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-bench-startup-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let netDir = work.appendingPathComponent("testnet").path
        print("startup: starting the testnet (InspIRCd + Atheme)")
        guard try await ChildRun.run(startScript, ["--server", "inspircd", netDir], quiet: true) == 0 else {
            try? FileManager.default.removeItem(at: work)
            return StartupResult.unmeasured("Scripts/testnet/start.sh failed (is inspircd installed?)")
        }
        let simulator = try await SimulatorServer.start(
            host: "127.0.0.1", port: 0,
            configuration: SimulatorConfiguration(flavor: .trueai, timing: .instant, accounts: 10, accountCoreSize: 100,
                                                  accountQueueSize: 100))
        do {
            let rows = try await measure(binary: binary, netDir: netDir, work: work, simulator: simulator, root: root)
            await simulator.shutdown()
            _ = try? await ChildRun.run(root + "/Scripts/testnet/stop.sh", ["--remove", netDir], quiet: true)
            try? FileManager.default.removeItem(at: work)
            return rows
        } catch {
            print("startup: failed: \(error)")
            await simulator.shutdown()
            _ = try? await ChildRun.run(root + "/Scripts/testnet/stop.sh", ["--remove", netDir], quiet: true)
            return StartupResult.unmeasured("failed: \(String(describing: error).prefix(300))")
        }
    }

    static func measure(binary: String, netDir: String, work: URL, simulator: SimulatorServer, root: String) async throws -> [BenchmarkRow] {
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
        let nick = "mjb" + String(UUID().uuidString.prefix(6)).lowercased()
        let channel = "#bench" + String(UUID().uuidString.prefix(4)).lowercased()
        let httpPort = try freePort()
        let config = """
            [bot]
            database = "\(work.path)/bot.sqlite"
            log_level = "info"

            [proxy]
            base_url = "\(simulator.apiBaseURL)"
            poll_interval_seconds = 1

            [http]
            listen = "127.0.0.1:\(httpPort)"
            public_base_url = "http://127.0.0.1:\(httpPort)"

            [limits]
            daily_jobs = 0
            pending_per_user = 0
            pending_per_channel = 0
            pending_total = 0
            cooldown_seconds = 0
            commands_per_30s = 0

            [[networks]]
            name = "testnet"
            host = "\(host)"
            port = \(try int("TESTNET_TLS_PORT"))
            ca_file = "\(try string("TESTNET_CA"))"
            nick = "\(nick)"
            sasl_mechanism = "plain"
            sasl_account = "\(try string("TESTNET_BOT_ACCOUNT"))"
            sasl_password = "\(try string("TESTNET_BOT_PASSWORD"))"
            flood_burst = 100
            flood_interval_seconds = 0

            [[networks.channels]]
            name = "\(channel)"
            progress = "off"
            """
        let configPath = work.appendingPathComponent("bot.conf").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let registered = "registered as \(nick)"

        // The server's own floor: a bare client (plain TCP, NICK/USER only) connect → 001.
        var bareTimes: [Double] = []
        for i in 1...starts {
            let bare = try await BenchIRCUser(host: host, port: try int("TESTNET_PLAIN_PORT"), nick: "b\(i)" + String(UUID().uuidString.prefix(6)).lowercased())
            if let time = bare.welcomeTime { bareTimes.append(seconds(time)) }
            bare.quit()
        }
        print("startup: a bare client's connect → 001 on this server: \(bareTimes.map { format($0 * 1000, digits: 0) }.joined(separator: ", ")) ms")
        // Start → 001, ten times, each process stopped (QUIT) before the next starts.
        let (startTimes, saslTimes) = try await timeStarts(binary: binary, configPath: configPath, registered: registered, label: "")

        // The footprint phase, on a testnet whose connect class lets 2,000 lines through quickly.
        print("startup: relaxing the testnet's flood limits for the jobs phase (InspIRCd restarted)")
        let conf = netDir + "/inspircd/inspircd.conf"
        var text = try String(contentsOfFile: conf, encoding: .utf8)
        let stock = #"threshold="10" commandrate="1000" fakelag="yes""#
        guard text.contains(stock) else { throw BenchError("the testnet's connect class changed: \(stock) not found in \(conf)") }
        text = text.replacingOccurrences(of: stock, with: #"threshold="1000000" commandrate="100000000" fakelag="no""#)
            .replacingOccurrences(of: #"recvq="8K""#, with: #"recvq="256K""#)
        try text.write(toFile: conf, atomically: true, encoding: .utf8)
        guard try await ChildRun.run(root + "/Scripts/testnet/restart-ircd.sh", [netDir], quiet: true) == 0 else {
            throw BenchError("restarting InspIRCd with relaxed flood limits failed")
        }
        // The same starts without the server's fake lag: what the bot itself takes (the stock
        // class holds the registration's last command about a second, see the trace).
        let (relaxedTimes, _) = try await timeStarts(binary: binary, configPath: configPath, registered: registered, label: "without fake lag, ")
        let user = try await BenchIRCUser(host: host, port: try int("TESTNET_PLAIN_PORT"), nick: "u" + String(UUID().uuidString.prefix(7)).lowercased())
        try await user.join(channel)
        user.watch(nick: nick, marker: "✅")
        let bot = try BotProcess(executable: binary, arguments: ["run", "-c", configPath], markers: [registered])
        var samples: [StartupResult.Sample] = []
        do {
            _ = try await bot.waitFor(registered, timeout: .seconds(60))
            try await user.waitForJoin(of: nick, to: channel, timeout: .seconds(60))
            try await Task.sleep(for: .seconds(10))
            let idle = ProcessFootprint.residentBytes(pid: bot.pid)
            samples.append(.init(jobs: 0, rss: idle ?? 0))
            print("startup: idle RSS \(ProcessFootprint.megabytes(idle))")
            var sent = 0
            while sent < jobs {
                let count = min(wave, jobs - sent)
                for n in sent..<(sent + count) { user.send("PRIVMSG \(channel) :!imagine benchmark job \(n) a fox in snow") }
                sent += count
                try await user.waitForLines(from: nick, containing: "✅", count: sent, timeout: .seconds(180))
                if sent % 100 == 0 {
                    let rss = ProcessFootprint.residentBytes(pid: bot.pid) ?? 0
                    samples.append(.init(jobs: sent, rss: rss))
                    print("startup: \(sent) jobs done, RSS \(ProcessFootprint.megabytes(rss))")
                }
            }
        } catch {
            user.quit()
            await bot.stop()
            throw error
        }
        user.quit()
        await bot.stop()
        let rows = StartupResult(startSeconds: startTimes, startSecondsWithoutFakeLag: relaxedTimes, bareClientSeconds: bareTimes,
                                 saslDoneSeconds: saslTimes, samples: samples).rows()
        for row in rows { print("startup: \(row.metric.prefix(60))…: \(row.value)") }
        return rows
    }

    /// Starts the bot `starts` times, each stopped (QUIT) before the next starts; the seconds
    /// from the fork/exec to the log line of 001.
    /// Also the seconds to the log line of SASL success, the bot's last step before the server
    /// completes the registration.
    static func timeStarts(binary: String, configPath: String, registered: String, label: String) async throws -> ([Double], [Double]) {
        var times: [Double] = []
        var sasl: [Double] = []
        let saslDone = "SASL PLAIN login succeeded"
        for i in 1...starts {
            let bot = try BotProcess(executable: binary, arguments: ["run", "-c", configPath], markers: [registered, saslDone])
            do {
                let elapsed = try await bot.waitFor(registered, timeout: .seconds(60))
                times.append(seconds(elapsed))
                sasl.append(seconds(try await bot.waitFor(saslDone, timeout: .seconds(1))))
                print("startup: \(label)start \(i): \(format(seconds(elapsed) * 1000, digits: 1)) ms to 001")
                // MJBRIDGE_BENCH_STARTUP_TRACE=1: the bot's first log lines with their times (where start-up goes).
                if i == 1, ProcessInfo.processInfo.environment["MJBRIDGE_BENCH_STARTUP_TRACE"] == "1" {
                    try await Task.sleep(for: .seconds(2))
                    for line in bot.timeline { print("startup: trace: \(line.prefix(200))") }
                }
            } catch {
                await bot.stop()
                throw error
            }
            await bot.stop()
        }
        return (times, sasl)
    }

    /// A TCP port nothing listens on right now (bound to 0 and released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard ok else { throw BenchError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
