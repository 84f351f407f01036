import Foundation
import IRC

/// IRC parse and serialise on one core against jesopo's irctokens (Python, the library DESIGN.md
/// models Message on), both on the same generated corpus (IRCCorpus, written to a file the
/// Python side reads) in the same run. Goals from issue 9: parse ≥ 3 M lines/s and ≥ 30×
/// irctokens; serialise ≥ 3 M lines/s.
enum IRCBenchmark {
    static let lineCount = 100_000
    static let runs = 7
    static let peerRuns = 5

    static func run() -> [BenchmarkRow] {
        let lines = IRCCorpus.generate(count: lineCount)
        let byteCount = lines.reduce(0) { $0 + $1.utf8.count }
        let byteLines = lines.map { Array($0.utf8) }
        let messages = lines.compactMap { try? Message(parsing: $0) }
        precondition(messages.count == lines.count, "every corpus line parses")
        print("irc: corpus \(lines.count) lines, \(format(Double(byteCount) / Double(lines.count), digits: 1)) bytes per line on average (seed \(IRCCorpus.defaultSeed))")

        // Each pass keeps a checksum of what it produced, so the optimiser cannot drop the work.
        var sink = 0
        let parseString = RunTimes.measure(runs: runs) {
            for line in lines {
                if let message = try? Message(parsing: line) { sink &+= message.params.count }
            }
        }
        let parseBytes = RunTimes.measure(runs: runs) {
            for line in byteLines {
                if let message = try? Message(parsing: line) { sink &+= message.params.count }
            }
        }
        // What a client that reads every tag pays: the whole table, as irctokens builds it.
        let parseAllTags = RunTimes.measure(runs: runs) {
            for line in lines {
                if let message = try? Message(parsing: line) { sink &+= message.params.count &+ message.tags.count }
            }
        }
        let serialiseString = RunTimes.measure(runs: runs) {
            for message in messages { sink &+= message.serialized().utf8.count }
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        let serialiseBytes = RunTimes.measure(runs: runs) {
            for message in messages {
                buffer.removeAll(keepingCapacity: true)
                message.serialize(into: &buffer)
                sink &+= buffer.count
            }
        }
        print("irc: checksum \(sink)")

        let peer = irctokens(lines)
        var rows: [BenchmarkRow] = []

        let parseRate = rate(parseString, lines.count)
        let peerParse = peer.map { rate($0.parse, $0.lines) }
        let parseRatio = peerParse.map { parseRate.best / $0.best }
        rows.append(BenchmarkRow(
            area: "IRC parse", metric: "Message(parsing: String), one core",
            value: describe(parseRate, bytes: byteCount, lines: lines.count),
            peer: peer.map { "irctokens \($0.version) tokenise (Python \($0.python))" },
            peerValue: peerParse.map { describe($0, bytes: byteCount, lines: lines.count) },
            ratio: parseRatio.map { format($0, digits: 1) + "×" },
            goal: "≥ 3,000,000 lines/s and ≥ 30× irctokens",
            met: parseRate.best >= 3_000_000 && (parseRatio ?? 0) >= 30,
            note: peer == nil ? "irctokens not available: no ratio" : nil))

        let bytesRate = rate(parseBytes, lines.count)
        rows.append(BenchmarkRow(
            area: "IRC parse", metric: "Message(parsing: bytes) with UTF-8 validation, one core",
            value: describe(bytesRate, bytes: byteCount, lines: lines.count),
            peer: peerParse == nil ? nil : "irctokens tokenise (of str, no UTF-8 check)",
            peerValue: peerParse.map { describe($0, bytes: byteCount, lines: lines.count) },
            ratio: peerParse.map { format(bytesRate.best / $0.best, digits: 1) + "×" },
            goal: nil, met: nil, note: "for comparison: the connection parses the String its line decoder makes"))

        let allTagsRate = rate(parseAllTags, lines.count)
        rows.append(BenchmarkRow(
            area: "IRC parse", metric: "Message(parsing: String) and then every tag decoded (message.tags), one core",
            value: describe(allTagsRate, bytes: byteCount, lines: lines.count),
            peer: peerParse == nil ? nil : "irctokens tokenise (decodes all tags)",
            peerValue: peerParse.map { describe($0, bytes: byteCount, lines: lines.count) },
            ratio: peerParse.map { format(allTagsRate.best / $0.best, digits: 1) + "×" },
            goal: nil, met: nil, note: "for comparison: the bot reads one or two tags per line (tag(_:))"))

        let serialiseRate = rate(serialiseString, messages.count)
        let peerSerialise = peer.map { rate($0.serialise, $0.lines) }
        rows.append(BenchmarkRow(
            area: "IRC serialise", metric: "Message.serialized() → String, one core",
            value: describe(serialiseRate, bytes: byteCount, lines: lines.count),
            peer: peer.map { "irctokens \($0.version) Line.format()" },
            peerValue: peerSerialise.map { describe($0, bytes: byteCount, lines: lines.count) },
            ratio: peerSerialise.map { format(serialiseRate.best / $0.best, digits: 1) + "×" },
            goal: "≥ 3,000,000 lines/s", met: serialiseRate.best >= 3_000_000, note: nil))

        let bufferRate = rate(serialiseBytes, messages.count)
        rows.append(BenchmarkRow(
            area: "IRC serialise", metric: "Message.serialize(into:) a reused byte buffer, one core",
            value: describe(bufferRate, bytes: byteCount, lines: lines.count),
            peer: peerSerialise == nil ? nil : "irctokens Line.format()",
            peerValue: peerSerialise.map { describe($0, bytes: byteCount, lines: lines.count) },
            ratio: peerSerialise.map { format(bufferRate.best / $0.best, digits: 1) + "×" },
            goal: "≥ 3,000,000 lines/s", met: bufferRate.best >= 3_000_000, note: nil))

        for row in rows {
            print("irc: \(row.metric): \(row.value)" + (row.peerValue.map { " | \(row.peer ?? "peer"): \($0) | ratio \(row.ratio ?? "-")" } ?? "")
                  + (row.goal.map { " | goal \($0): \(row.met == true ? "met" : "NOT met")" } ?? ""))
        }
        return rows
    }

    /// One pass alone, repeated, for a profiler to look at (`mjbridge-bench profile-parse` or
    /// `profile-serialise`): the full benchmark mixes all passes in one profile.
    static func profile(_ pass: String) {
        let lines = IRCCorpus.generate(count: lineCount)
        let messages = lines.compactMap { try? Message(parsing: $0) }
        var sink = 0
        var buffer: [UInt8] = []
        for _ in 0..<30 {
            if pass == "parse" {
                for line in lines {
                    if let message = try? Message(parsing: line) { sink &+= message.params.count }
                }
            } else {
                for message in messages {
                    buffer.removeAll(keepingCapacity: true)
                    message.serialize(into: &buffer)
                    sink &+= buffer.count
                }
            }
        }
        print("irc: profiled \(pass), checksum \(sink)")
    }

    struct Rate {
        var best: Double
        var median: Double
        var wallBest: Double
    }

    static func rate(_ times: RunTimes, _ count: Int) -> Rate {
        Rate(best: Double(count) / times.bestCPU, median: Double(count) / times.medianCPU, wallBest: Double(count) / times.bestWall)
    }

    static func describe(_ rate: Rate, bytes: Int, lines: Int) -> String {
        let megabytes = rate.best * Double(bytes) / Double(lines) / 1e6
        return "\(format(rate.best)) lines/s (median \(format(rate.median)); wall best \(format(rate.wallBest))), \(format(megabytes, digits: 1)) MB/s"
    }

    struct PeerResult: Decodable {
        var lines: Int
        var version: String
        var python: String
        var parse: RunTimes
        var serialise: RunTimes
    }

    /// Runs Scripts/bench/irctokens_bench.py on the corpus (written to a temporary file) with
    /// `MJBRIDGE_BENCH_PYTHON` (default `python3`, which must have irctokens).
    static func irctokens(_ lines: [String]) -> PeerResult? {
        let environment = ProcessInfo.processInfo.environment
        let python = environment["MJBRIDGE_BENCH_PYTHON"] ?? "python3"
        let script = environment["MJBRIDGE_BENCH_IRCTOKENS"] ?? "Scripts/bench/irctokens_bench.py"
        let corpusPath = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-bench-corpus-\(getpid()).txt").path
        defer { try? FileManager.default.removeItem(atPath: corpusPath) }
        do {
            try (lines.joined(separator: "\n") + "\n").write(toFile: corpusPath, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python, script, corpusPath, String(peerRuns)]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { return nil }
            let result = try JSONDecoder().decode(PeerResult.self, from: data)
            guard result.lines == lines.count else {
                print("irc: irctokens read \(result.lines) lines, expected \(lines.count): no comparison")
                return nil
            }
            return result
        } catch {
            print("irc: irctokens did not run (\(error)): no comparison")
            return nil
        }
    }
}
