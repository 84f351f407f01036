// mjbridge benchmarks: figures, printed with what they compare against. Not tests: nothing
// here passes or fails. Run in release mode (Scripts/bench/run-benchmarks.sh does all of it
// and rewrites BENCHMARKS.md):
//
//     swift run -c release mjbridge-bench                       # all
//     swift run -c release mjbridge-bench irc                   # IRC parse/serialise vs irctokens
//     swift run -c release mjbridge-bench polling               # batched polling vs one fetch per task
//     swift run -c release mjbridge-bench tracking              # 10,000 pending tasks: requests, CPU, store, RSS
//     swift run -c release mjbridge-bench startup               # mjbridge run: start → 001, idle RSS, RSS over 1,000 jobs
//     swift run -c release mjbridge-bench callback-latency      # callback → PRIVMSG at 200/1,000/5,000 per s
//     swift run -c release mjbridge-bench flood-delivery        # 200 results on InspIRCd with fake lag
//     swift run -c release mjbridge-bench takeover              # 2 processes on PostgreSQL: SIGKILL the holder → standby's JOIN
//     swift run -c release mjbridge-bench outbox-claim          # owed lines marked sent/s, PostgreSQL (1, 2 processes) vs SQLite
//     swift run -c release mjbridge-bench all --json out.json   # also write the rows as JSON
import Foundation
import IRC
import Logging
import MidjourneyAPI
import MidjourneySimulator

var arguments = Array(CommandLine.arguments.dropFirst())
var jsonPath: String?
if let index = arguments.firstIndex(of: "--json"), index + 1 < arguments.count {
    jsonPath = arguments[index + 1]
    arguments.removeSubrange(index...(index + 1))
}
let which = arguments.first ?? "all"
var rows: [BenchmarkRow] = []
if which == "all" || which == "irc" || which == "parser" { rows += IRCBenchmark.run() }
if which == "all" || which == "polling" { rows += try await PollingBenchmark.run() }
if which == "all" || which == "tracking" { rows += try await TrackingScaleBenchmark.run() }
if which == "all" || which == "startup" { rows += try await StartupBenchmark.run() }
if which == "all" || which == "takeover" { rows += try await TakeoverBenchmark.run() }
if which == "all" || which == "outbox-claim" { rows += try await ClaimThroughputBenchmark.run() }
if which == "tracking-scale-worker" { try await TrackingScaleBenchmark.worker(arguments: Array(arguments.dropFirst())) }
// Issue 9 items 2 and 4 (MJBRIDGE_BENCH_SCALE < 1 shortens them for a quick check).
let benchScale = ProcessInfo.processInfo.environment["MJBRIDGE_BENCH_SCALE"].flatMap(Double.init) ?? 1
if which == "all" || which == "callback-latency" { rows += try await CallbackLatencyBenchmark.run(scale: benchScale) }
if which == "all" || which == "flood-delivery" { rows += try await FloodDeliveryBenchmark.run(scale: benchScale) }
if which == "profile-parse" { IRCBenchmark.profile("parse") }
if which == "profile-serialise" { IRCBenchmark.profile("serialise") }
if let jsonPath {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(rows).write(to: URL(fileURLWithPath: jsonPath))
}
