// mjbridge benchmarks: figures, printed with what they compare against. Not tests: nothing
// here passes or fails. Run in release mode:
//
//     swift run -c release mjbridge-bench            # all
//     swift run -c release mjbridge-bench parser     # IRC parser vs irctokens (Python)
//     swift run -c release mjbridge-bench polling    # batched polling vs one fetch per task
import Foundation
import IRC
import Logging
import MidjourneyAPI
import MidjourneySimulator

let which = CommandLine.arguments.dropFirst().first ?? "all"
if which == "all" || which == "parser" { try ParserBenchmark.run() }
if which == "all" || which == "polling" { try await PollingBenchmark.run() }
