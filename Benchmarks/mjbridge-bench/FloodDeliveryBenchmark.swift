import BenchSupport
import Bridge
import Foundation
import Logging
import MidjourneyAPI
import MidjourneySimulator
import Store
import TestnetSupport

/// Flood-safe delivery (issue 9, item 4): the whole bot in this process on the repo's real
/// InspIRCd testnet (Scripts/testnet/start.sh: fake lag on, `threshold` and `commandrate` read
/// from the config it wrote), 200 tasks for one channel finishing at the same moment. A reader
/// in the channel times the bot's result lines; the server's log and the reader count
/// excess-flood disconnects. The total is compared with the physical limit the server's rate
/// allows for the lines the bot had to send (`FakeLagMinimum`).
///
/// The tasks reach the bot the way a task survives a crash: submitted to the simulator with the
/// bot's notifyHook and a signed route `state`, adopted at their first callback — so the bot
/// posts no acknowledgements, whose 200 lines would otherwise come first at one a second.
enum FloodDeliveryBenchmark {
    static let channel = "#flood"
    static let botNick = "mjflood"

    static func run(scale: Double = 1) async throws -> [BenchmarkRow] {
        let count = max(12, Int(200 * scale))
        let root = FileManager.default.currentDirectoryPath
        let start = root + "/Scripts/testnet/start.sh"
        guard FileManager.default.isExecutableFile(atPath: start) else {
            progress("flood-delivery: \(start) not found (run from the repository root): skipped")
            return []
        }
        progress("flood-delivery: starting the InspIRCd testnet")
        let output: String
        do {
            output = try await ScriptRunner.run([start])
        } catch {
            progress("flood-delivery: the testnet did not start (InspIRCd and Atheme installed?): skipped — \(error)")
            return []
        }
        guard let dir = output.split(separator: "\n").last.map(String.init), dir.hasPrefix("/") else {
            progress("flood-delivery: start.sh printed no directory: skipped")
            return []
        }
        do {
            let row = try await measure(count: count, testnet: dir)
            _ = try? await ScriptRunner.run([root + "/Scripts/testnet/stop.sh", "--remove", dir])
            return [row]
        } catch {
            _ = try? await ScriptRunner.run([root + "/Scripts/testnet/stop.sh", "--remove", dir])
            throw error
        }
    }

    private static func measure(count: Int, testnet dir: String) async throws -> BenchmarkRow {
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/env.json"))) as? [String: Any] ?? [:]
        guard let port = (env["TESTNET_PLAIN_PORT"] as? Int) ?? (env["TESTNET_PLAIN_PORT"] as? String).flatMap(Int.init) else {
            throw BenchError.setup("no TESTNET_PLAIN_PORT in \(dir)/env.json")
        }
        let conf = try String(contentsOfFile: dir + "/inspircd/inspircd.conf", encoding: .utf8)
        guard let threshold = attribute("threshold", in: conf), let commandRate = attribute("commandrate", in: conf),
              conf.contains("fakelag=\"yes\"") else {
            throw BenchError.setup("the testnet's <connect> has no threshold/commandrate with fakelag=\"yes\"")
        }
        let limit = FakeLagMinimum(threshold: threshold, commandRate: commandRate)
        let logPath = (env["TESTNET_INSPIRCD_LOG"] as? String) ?? dir + "/inspircd/inspircd.log"

        let quiet = Logger(label: "bench.simulator", level: .warning)
        let simulator = try await SimulatorServer.start(
            host: "127.0.0.1", port: 0,
            configuration: SimulatorConfiguration(
                flavor: .trueai, apiKey: "bench-key",
                timing: SimulatorTiming(startDelay: .milliseconds(1), progressSteps: [50], stepInterval: .milliseconds(1),
                                        executionTimeout: nil),
                accounts: 1, accountCoreSize: 1_000, accountQueueSize: 0),
            logger: quiet)
        await simulator.controls.stick(atPercent: 50)

        // The reader first, so it sees the bot arrive.
        let reader = try LineSocket.connect(host: "127.0.0.1", port: port)
        let seen = Locked<ReaderLog>(ReaderLog())
        reader.startReading(line: { line, at in
            let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            if words.first == "PING" {
                reader.send("PONG " + (words.dropFirst().first.map(String.init) ?? ""))
                return
            }
            guard words.count >= 2 else { return }
            let nick = words[0].dropFirst().prefix { $0 != "!" }
            seen.withLock { log in
                switch words[1] {
                case "001": log.registered = true
                case "JOIN" where nick == botNick: log.botJoined = true
                case "PRIVMSG" where nick == botNick && words.count >= 4 && words[2] == channel:
                    let text = words[3].hasPrefix(":") ? String(words[3].dropFirst()) : String(words[3])
                    log.lines.append((text, at))
                case "QUIT" where nick == botNick: log.botQuits.append(line)
                default: break
                }
            }
        })
        reader.send("NICK floodreader")
        reader.send("USER reader 0 * :flood benchmark reader")
        guard await waitUntil(timeout: .seconds(30), { seen.withLock { $0.registered } }) else {
            throw BenchError.setup("the reader did not register on the testnet")
        }
        reader.send("JOIN \(channel)")
        progress("flood-delivery: reader in \(channel) on port \(port); starting the bot")

        let bot = try await BenchBot.start(proxyBaseURL: simulator.apiBaseURL, apiKey: "bench-key", ircHost: "127.0.0.1",
                                           ircPort: port, nick: botNick, channel: channel, floodBurst: threshold,
                                           floodIntervalSeconds: 1000 / Double(commandRate), pollSeconds: 600)
        func finish() async {
            reader.send("QUIT :done")
            reader.shutdown()
            await bot.stop()
            await simulator.shutdown()
        }
        do {
            guard await waitUntil(timeout: .seconds(60), { seen.withLock { $0.botJoined } }) else {
                throw BenchError.setup("the bot did not join \(channel) on the testnet")
            }
            let joinedAt = ContinuousClock.now
            progress("flood-delivery: the bot joined \(channel)")

            // The tasks, routed to the channel by a signed state, adopted by the bot at their first callback.
            progress("flood-delivery: submitting \(count) tasks for \(channel)")
            let client = try MidjourneyClient(configuration: MidjourneyConfiguration(baseURL: simulator.apiBaseURL, apiKey: "bench-key"),
                                              httpClient: MidjourneyClient.sharedHTTPClient)
            let state = SignedRouteState(route: TaskRoute(network: "bench", channel: channel, nick: "floodreader"))
                .encoded(with: RouteStateKey(callbackSecret: bot.callbackSecret))
            for i in 0..<count {
                _ = try await client.imagine(ImagineRequest(prompt: "flood f\(i)x", state: state, notifyHook: bot.callbackURL))
            }
            guard await waitUntil(timeout: .seconds(120), {
                let parked = await simulator.controls.parkedTasks().count
                let following = (try? await bot.runtime.store.pendingTasks().count) ?? 0
                return parked >= count && following >= count
            }) else {
                let following = (try? await bot.runtime.store.pendingTasks().count) ?? 0
                throw BenchError.setup("the bot follows \(following) of \(count) tasks")
            }
            progress("flood-delivery: the bot follows all \(count) tasks")
            // A drained penalty: the bot's registration and JOIN are paid off by now.
            let idle = Duration.seconds(Double(threshold) * 1000 / Double(commandRate) + 2)
            if ContinuousClock.now - joinedAt < idle { try await Task.sleep(until: joinedAt + idle) }
            let linesBefore = seen.withLock { $0.lines.count }
            let logBefore = excessFloodCount(logPath)

            progress("flood-delivery: \(count) tasks finish now; the minimum at \(format(limit.linesPerSecond, digits: 1)) lines/s is minutes away")
            let ids = await simulator.controls.parkedTasks().map(\.id)
            let begin = ContinuousClock.now
            for id in ids { await simulator.controls.completeParked(id) }

            // Every result's first line (it quotes the prompt), then a quiet 5 s for the rest of the last one.
            let deadline = Duration.seconds(limit.minimumSeconds(lines: 3 * count) + 120)
            let allThere = await waitUntil(timeout: deadline) {
                let results = seen.withLock { log in log.lines[linesBefore...].filter { $0.text.contains("✅") }.count }
                return results >= ids.count
            }
            _ = await waitUntil(timeout: .seconds(60)) {
                let last = seen.withLock { $0.lines.last?.at } ?? begin
                return ContinuousClock.now - last > .seconds(5)
            }
            let lines = seen.withLock { Array($0.lines[linesBefore...]) }
            let results = lines.filter { $0.text.contains("✅") }.count
            let quits = seen.withLock { $0.botQuits }
            let disconnects = max(quits.count, excessFloodCount(logPath) - logBefore)
            let total = seconds((lines.last?.at ?? begin) - begin)
            let minimum = limit.minimumSeconds(lines: lines.count)
            let ratio = minimum > 0 ? total / minimum : .infinity
            progress("flood-delivery: \(results)/\(ids.count) results in \(lines.count) lines, \(format(total, digits: 1)) s; "
                  + "minimum \(format(minimum, digits: 1)) s; \(disconnects) excess-flood disconnects \(quits)")
            await finish()
            return BenchmarkRow(
                area: "Flood-safe delivery",
                metric: "\(ids.count) results at once for one channel on InspIRCd 3 with fake lag (testnet class: threshold \(threshold), "
                    + "commandrate \(commandRate)): tasks completed → the last of the bot's \(lines.count) lines at a reader in the channel",
                value: "\(format(total, digits: 1)) s, \(disconnects) excess-flood disconnects, \(results) of \(ids.count) results"
                    + (allThere ? "" : " (the rest did not arrive in time)"),
                peer: "the server's physical limit",
                peerValue: "(\(lines.count) lines − \(threshold)) × 1000 / \(commandRate) = \(format(minimum, digits: 1)) s",
                ratio: "\(format(ratio, digits: 3))× the minimum",
                goal: "0 disconnects, ≤ 1.10× the minimum", met: disconnects == 0 && allThere && ratio <= 1.10,
                note: "minimum = max(0, lines − threshold) × 1000 / commandrate s: InspIRCd lets `threshold` commands through at once, then "
                    + "takes `commandrate` penalty off once a second (1000 per PRIVMSG); its one-second step moves a run up to 1 s either way. "
                    + "The bot's flood settings match the class (flood_burst = \(threshold), flood_interval_seconds = \(format(1000 / Double(commandRate), digits: 2))); "
                    + "lines confirmed by echo-message/labels, one at a time")
        } catch {
            await finish()
            throw error
        }
    }

    struct ReaderLog {
        var registered = false
        var botJoined = false
        var lines: [(text: String, at: ContinuousClock.Instant)] = []
        var botQuits: [String] = []
    }

    /// `name="123"` in the InspIRCd config.
    static func attribute(_ name: String, in conf: String) -> Int? {
        guard let range = conf.range(of: " \(name)=\"") else { return nil }
        return Int(conf[range.upperBound...].prefix { $0.isNumber })
    }

    /// Lines in InspIRCd's log about a client killed for flooding.
    static func excessFloodCount(_ path: String) -> Int {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").filter { $0.contains("Excess Flood") || $0.contains("RecvQ exceeded") || $0.contains("SendQ exceeded") }.count
    }
}
