import BenchSupport
import Foundation
import Logging
import MidjourneySimulator

/// Callback → wire latency (issue 9, item 2): the whole bot in this process, connected to a
/// minimal IRC server the benchmark runs itself (`BenchIRCServer`: no flood limit, and the
/// bot's own pacing off, `flood_interval_seconds = 0`), following tasks it submitted from
/// chat; the simulator completes them at a set rate and posts each SUCCESS callback with
/// AsyncHTTPClient (32 at once at most). Latency is from the moment the simulator starts a
/// callback POST to the moment the bytes of the bot's result PRIVMSG arrive at the IRC server's
/// socket — an upper bound of "callback arrived → PRIVMSG written" by one loopback hop each
/// way — and includes the batched `list-by-condition` that confirms the callback.
enum CallbackLatencyBenchmark {
    struct Phase {
        let rate: Int
        let seconds: Double
    }

    static let phases = [Phase(rate: 200, seconds: 2), Phase(rate: 1_000, seconds: 2), Phase(rate: 5_000, seconds: 1)]
    static let channel = "#bench"

    /// `scale` shortens every phase (a quick check in a debug build); 1 in the real run.
    static func run(scale: Double = 1) async throws -> [BenchmarkRow] {
        let quiet = Logger(label: "bench.simulator", level: .warning)
        var configuration = SimulatorConfiguration(
            flavor: .trueai, apiKey: "bench-key",
            timing: SimulatorTiming(startDelay: .milliseconds(1), progressSteps: [50], stepInterval: .milliseconds(1),
                                    executionTimeout: nil),
            accounts: 1, accountCoreSize: 20_000, accountQueueSize: 0)
        configuration.callbackConcurrency = 32
        let simulator = try await SimulatorServer.start(host: "127.0.0.1", port: 0, configuration: configuration, logger: quiet)
        await simulator.controls.stick(atPercent: 50)
        // MJBRIDGE_BENCH_SINGLES=0: grids without their four single-image links, so a result is
        // one IRC line instead of about three (to see what the per-line confirmation costs).
        if ProcessInfo.processInfo.environment["MJBRIDGE_BENCH_SINGLES"] == "0" { await simulator.controls.setSingleImageLinks(false) }
        let irc = try BenchIRCServer()
        let bot = try await BenchBot.start(proxyBaseURL: simulator.apiBaseURL, apiKey: "bench-key", ircHost: "127.0.0.1",
                                           ircPort: irc.port, nick: "mjbench", channel: channel,
                                           floodBurst: 100, floodIntervalSeconds: 0, pollSeconds: 600)
        defer { irc.stop() }
        guard await waitUntil(timeout: .seconds(60), { irc.hasJoined(channel) }) else {
            await bot.stop()
            await simulator.shutdown()
            throw BenchError.setup("the bot did not join \(channel) on the benchmark's IRC server")
        }
        let posts = Locked<[String: ContinuousClock.Instant]>([:])
        await simulator.controls.observeCallbackPosts { id, status in
            if status == "SUCCESS" { posts.withLock { $0[id] = ContinuousClock.now } }
        }
        var rows: [BenchmarkRow] = []
        do {
            // MJBRIDGE_BENCH_RATES="20,100" runs other rates (2 s each), for looking into one.
            let chosen = ProcessInfo.processInfo.environment["MJBRIDGE_BENCH_RATES"].map {
                $0.split(separator: ",").compactMap { Int($0) }.map { Phase(rate: $0, seconds: 2) }
            } ?? phases
            for phase in chosen {
                rows.append(try await measure(phase, scale: scale, irc: irc, bot: bot, simulator: simulator, posts: posts))
            }
        } catch {
            await bot.stop()
            await simulator.shutdown()
            throw error
        }
        await bot.stop()
        await simulator.shutdown()
        return rows
    }

    private static func measure(_ phase: Phase, scale: Double, irc: BenchIRCServer, bot: BenchBot, simulator: SimulatorServer,
                                posts: Locked<[String: ContinuousClock.Instant]>) async throws -> BenchmarkRow {
        let count = max(20, Int(Double(phase.rate) * phase.seconds * scale))
        let token = "r\(phase.rate)n"
        progress("callback-latency: \(phase.rate)/s — submitting \(count) tasks from chat")

        // Submit from chat, 50 commands at a time (the bot reads its backlog in order).
        var acked = irc.privmsgCount
        for start in stride(from: 0, to: count, by: 50) {
            let end = min(count, start + 50)
            for i in start..<end { irc.say(from: "alice", to: channel, text: "!imagine bench \(token)\(i)") }
            let target = acked + (end - start)
            guard await waitUntil(timeout: .seconds(120), { irc.privmsgCount >= target }) else {
                throw BenchError.setup("the bot answered \(irc.privmsgCount - acked) of \(end - start) commands")
            }
            acked = target
        }
        guard await waitUntil(timeout: .seconds(120), { await simulator.controls.parkedTasks().count >= count }) else {
            let parked = await simulator.controls.parkedTasks().count
            throw BenchError.setup("only \(parked) of \(count) tasks reached the simulator")
        }
        // Let the set-up callbacks (SUBMITTED, 50 %) and the bot's answers to them die down.
        _ = await waitUntil(timeout: .seconds(60)) {
            let s = await simulator.controls.stats()
            return s.callbacksDelivered + s.callbacksFailed >= s.callbacksQueued
        }
        try await Task.sleep(for: .seconds(1))

        var idOfToken: [String: String] = [:]
        var ids: [String] = []
        for task in await simulator.controls.parkedTasks() {
            guard let word = task.prompt.split(separator: " ").first(where: { $0.hasPrefix(token) }) else { continue }
            idOfToken[String(word)] = task.id
            ids.append(task.id)
        }
        let firstLine = irc.privmsgCount
        let before = await simulator.controls.stats()
        let outcomesBefore = await bot.callbackOutcomes()

        // Complete them at `rate` per second: every millisecond, those due by now.
        progress("callback-latency: \(phase.rate)/s — completing \(ids.count) tasks")
        let start = ContinuousClock.now
        var done = 0
        while done < ids.count {
            let due = min(ids.count, Int(seconds(ContinuousClock.now - start) * Double(phase.rate)) + 1)
            while done < due {
                await simulator.controls.completeParked(ids[done])
                done += 1
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        let sendTime = seconds(ContinuousClock.now - start)

        // Results: the first line of each (it quotes the prompt, with its token).
        var arrival: [String: ContinuousClock.Instant] = [:]
        var cursor = firstLine
        _ = await waitUntil(timeout: .seconds(60)) {
            let lines = irc.privmsgs(from: cursor)
            cursor += lines.count
            for line in lines where line.text.contains("✅") {
                guard let range = line.text.range(of: token) else { continue }
                let word = line.text[range.lowerBound...].prefix { $0.isLetter || $0.isNumber }
                if arrival[String(word)] == nil { arrival[String(word)] = line.at }
            }
            return arrival.count >= ids.count
        }
        let after = await simulator.controls.stats()
        let outcomesAfter = await bot.callbackOutcomes()
        let postTimes = posts.withLock { p in ids.compactMap { p[$0] } }
        let linesWritten = irc.privmsgCount - firstLine

        var latencies: [Double] = []
        for (word, at) in arrival {
            guard let id = idOfToken[word], let posted = posts.withLock({ $0[id] }) else { continue }
            latencies.append(seconds(at - posted))
        }
        let lost = ids.count - latencies.count
        let refusedByBot = outcomesAfter.filter { $0.key != "known" && $0.key != "adopted" }
            .reduce(0) { $0 + $1.value - (outcomesBefore[$1.key] ?? 0) }
        let failedPosts = after.callbacksFailed - before.callbacksFailed
        let requests = after.requests - before.requests
        let lastArrival = arrival.values.max() ?? start
        let span = max(seconds(lastArrival - start), 1e-3)
        let requestsPerSecond = Double(requests) / span
        let postSpan = postTimes.isEmpty ? 0 : seconds(postTimes.max()! - postTimes.min()!)
        let sentRate = postSpan > 0 ? Double(postTimes.count - 1) / postSpan : 0
        let summary = LatencySummary(latencies)
        func ms(_ s: Double) -> String { format(s * 1000, digits: 1) + " ms" }
        let value = (summary.map { "p50 \(ms($0.p50)), p99 \(ms($0.p99)), max \(ms($0.max))" } ?? "no result arrived")
            + "; \(format(requestsPerSecond, digits: 0)) proxy requests/s (\(requests) for \(ids.count) callbacks)"
            + "; not delivered within 60 s \(lost), refused \(refusedByBot + failedPosts)"
        progress("callback-latency: \(phase.rate)/s — \(value); callbacks posted at \(format(sentRate, digits: 0))/s over \(format(sendTime, digits: 2)) s")

        var goal: String?
        var met: Bool?
        // A goal at a rate counts only if the callbacks really came at (90 % of) that rate.
        let rateReached = sentRate >= 0.9 * Double(phase.rate)
        switch phase.rate {
        case 1_000:
            goal = "p99 ≤ 20 ms, ≤ 1 confirming request per 10 ms (≤ 100/s)"
            met = (summary?.p99 ?? .infinity) <= 0.020 && requestsPerSecond <= 100 && lost == 0 && rateReached
        case 5_000:
            goal = "nothing lost or refused at 5,000/s"
            met = lost == 0 && refusedByBot + failedPosts == 0 && rateReached
        default:
            goal = nil
            met = nil
        }
        return BenchmarkRow(
            area: "Callback → wire latency",
            metric: "\(format(Double(phase.rate))) callbacks/s for \(format(Double(ids.count))) distinct tasks the bot follows: simulator starts the callback POST → "
                + "first byte of the result PRIVMSG at the benchmark's own loopback IRC server, through the batched list-by-condition",
            value: value,
            peer: "none (no peer bot runs against this simulator)", peerValue: nil, ratio: nil, goal: goal, met: met,
            note: "flood control out of the way: the IRC server has no limit, the bot's flood_interval_seconds = 0; "
                + "callbacks actually posted at \(format(sentRate, digits: 0))/s by the simulator (AsyncHTTPClient, ≤ 32 at once); "
                + "\(linesWritten) IRC lines for \(arrival.count) results, each confirmed (PING barrier) before the next")
    }
}

extension BenchError {
    static func setup(_ what: String) -> BenchError { BenchError("benchmark set-up failed: \(what)") }
}

extension Logger {
    init(label: String, level: Logger.Level) {
        self.init(label: label)
        logLevel = level
    }
}
