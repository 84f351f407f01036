import Foundation

/// What the tracking worker measured, handed back to the parent as JSON, and the rows of
/// BENCHMARKS.md made from it.
struct TrackingScaleResult: Codable {
    struct Cycle: Codable {
        var requests: Int
        var cpuSeconds: Double
        var wallSeconds: Double
        /// Store statements by first keyword.
        var statements: [String: Int]
    }

    var tasks: Int
    var batch: Int
    /// The bridge's steady cycles (after one warm-up cycle).
    var cycles: [Cycle]
    /// One fetch per task.
    var naive: [Cycle]
    var rssAtStart: Int?
    var rssAfterInsert: Int?
    var rssAfterWarmUp: Int?
    var rssAfterCycles: Int?
    var peakAfterCycles: Int?
    /// After `malloc_trim(0)`: without what the allocator kept of freed memory.
    var rssAfterTrim: Int?
    /// Requests the worker made in all (warm-up included), for the simulator's cross-check.
    var totalRequests: Int

    static let cpuGoalPerBatch = 0.050
    static let rssGoal = 60 * 1_048_576

    var expectedRequests: Int { (tasks + batch - 1) / batch }
    var batches: Int { expectedRequests }

    func rows(crossCheck: String, requestsAgree: Bool) -> [BenchmarkRow] {
        let best = cycles.min { $0.cpuSeconds < $1.cpuSeconds }
        let median = Self.median(cycles.map(\.cpuSeconds))
        let naiveBest = naive.min { $0.cpuSeconds < $1.cpuSeconds }
        guard let best, let naiveBest else {
            return [BenchmarkRow(area: "Tracking at scale", metric: "\(tasks) pending tasks", value: "no cycle measured")]
        }
        let requestsPerCycle = Set(cycles.map(\.requests))
        let requestsText = requestsPerCycle.count == 1 ? "\(best.requests)" : requestsPerCycle.sorted().map(String.init).joined(separator: "/")
        let perBatch = best.cpuSeconds / Double(batches)
        let perBatchMedian = median / Double(batches)
        let statements = best.statements.values.reduce(0, +)
        let reads = best.statements["SELECT", default: 0]
        let writes = best.statements["UPDATE", default: 0] + best.statements["INSERT", default: 0] + best.statements["DELETE", default: 0]
        let perSnapshot = Double(statements) / Double(tasks)
        let kinds = best.statements.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let requestRatio = Double(naiveBest.requests) / Double(max(1, best.requests))
        let cpuRatio = naiveBest.cpuSeconds / max(best.cpuSeconds, 1e-9)
        let rssMet = rssAfterCycles.map { $0 <= Self.rssGoal }
        return [
            BenchmarkRow(
                area: "Tracking at scale",
                metric: "one poll cycle over \(tasks) pending tasks: TaskTracker, real SQLite file, callbacks off, simulator over loopback HTTP (CPU of the whole bot process, best of \(cycles.count) cycles)",
                value: "\(requestsText) requests; \(ms(best.cpuSeconds)) ms CPU (median \(ms(median))), \(ms(best.wallSeconds)) ms wall",
                peer: "one fetch per task (the popular bots; HTTP and decoding only, no store work)",
                peerValue: "\(naiveBest.requests) requests; \(ms(naiveBest.cpuSeconds)) ms CPU, \(ms(naiveBest.wallSeconds)) ms wall",
                ratio: "\(format(requestRatio, digits: 0))× fewer requests, \(format(cpuRatio, digits: 1))× less CPU",
                goal: "⌈\(tasks) / \(batch)⌉ = \(expectedRequests) requests",
                met: requestsPerCycle == [expectedRequests] && requestsAgree,
                note: crossCheck),
            BenchmarkRow(
                area: "Tracking at scale",
                metric: "CPU per \(batch)-task batch (the cycle's CPU over its \(batches) batches: request, decoding, store read and write)",
                value: "\(format(perBatch * 1000, digits: 2)) ms (median \(format(perBatchMedian * 1000, digits: 2)))",
                peer: "one fetch per task, per \(batch) tasks",
                peerValue: "\(format(naiveBest.cpuSeconds / Double(batches) * 1000, digits: 2)) ms",
                ratio: "\(format(cpuRatio, digits: 1))× less CPU",
                goal: "≤ 50 ms", met: perBatch <= Self.cpuGoalPerBatch),
            BenchmarkRow(
                area: "Tracking at scale",
                metric: "store statements per snapshot (every statement SQLite ran in the cycle, over the \(tasks) snapshots)",
                value: "\(format(perSnapshot, digits: 2)) (\(reads) reads, \(writes) writes, \(statements) in all: \(kinds))",
                goal: nil, met: nil),
            BenchmarkRow(
                area: "Tracking at scale",
                metric: "RSS of the tracking process after the cycles (peak beside it; at its start \(ProcessFootprint.megabytes(rssAtStart)), with the 10,000 tasks stored \(ProcessFootprint.megabytes(rssAfterInsert)), after the warm-up cycle \(ProcessFootprint.megabytes(rssAfterWarmUp)))",
                value: "\(ProcessFootprint.megabytes(rssAfterCycles)) (peak \(ProcessFootprint.megabytes(peakAfterCycles)); \(ProcessFootprint.megabytes(rssAfterTrim)) after malloc_trim)",
                goal: "≤ 60 MB", met: rssMet),
        ]
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    func ms(_ seconds: Double) -> String { format(seconds * 1000) }
}
