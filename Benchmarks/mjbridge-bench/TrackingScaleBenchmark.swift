import App
import Bridge
import Foundation
import Logging
import MidjourneyAPI
import MidjourneySimulator
import Store
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Issue 9, item 3: following 10,000 pending tasks with callbacks off. The bridge's own
/// `TaskTracker` polls them from a real SQLite file through the real client over loopback HTTP
/// to the simulator, which holds them all and learns nothing new about them between cycles: the
/// steady state of a long backlog. The simulator runs one job per account (100 accounts), stuck
/// at 50 %, and queues the rest (SUBMITTED): its scheduler scans the running jobs on every
/// request, so 10,000 running jobs would make the simulator, not the bot, the bottleneck.
///
/// The simulator runs in this process; the tracker runs in a worker (this executable started
/// again, `tracking-scale-worker`), so that its CPU time and RSS are the bot's alone — the
/// simulator's own work answering 10,000 ids would otherwise be counted as ours.
enum TrackingScaleBenchmark {
    static let pendingCount = 10_000
    static let measuredCycles = 5

    /// The parent: the simulator with the backlog, then the worker.
    static func run() async throws -> [BenchmarkRow] {
        let simulator = try await SimulatorServer.start(
            host: "127.0.0.1", port: 0,
            configuration: SimulatorConfiguration(flavor: .trueai, timing: .instant, accounts: 100, accountCoreSize: 1,
                                                  accountQueueSize: 100))
        defer { Task { await simulator.shutdown() } }
        await simulator.controls.stick(atPercent: 50)
        let client = try MidjourneyClient(configuration: MidjourneyConfiguration(baseURL: simulator.apiBaseURL),
                                          httpClient: MidjourneyClient.sharedHTTPClient)
        let ids = try await submit(pendingCount, to: client)
        print("tracking: \(ids.count) pending tasks on the simulator")

        let work = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-bench-tracking-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let idsFile = work.appendingPathComponent("ids.txt")
        try ids.joined(separator: "\n").write(to: idsFile, atomically: true, encoding: .utf8)
        let resultFile = work.appendingPathComponent("worker.json")

        let before = await simulator.controls.stats().requests
        let status = try await ChildRun.run(ChildRun.selfExecutable,
                                            ["tracking-scale-worker", simulator.apiBaseURL, idsFile.path, work.path, resultFile.path])
        let served = await simulator.controls.stats().requests - before
        guard status == 0, let data = try? Data(contentsOf: resultFile) else {
            print("tracking: the worker failed (exit \(status))")
            return [BenchmarkRow(area: "Tracking at scale", metric: "10,000 pending tasks", value: "worker failed (exit \(status))",
                                 goal: nil, met: nil)]
        }
        let result = try JSONDecoder().decode(TrackingScaleResult.self, from: data)
        // The worker counts its own requests; the simulator must have seen exactly those.
        let crossCheck = served == result.totalRequests
            ? "the simulator counted the same \(served) requests"
            : "the simulator counted \(served) requests, the worker \(result.totalRequests)"
        print("tracking: \(crossCheck)")
        let rows = result.rows(crossCheck: crossCheck, requestsAgree: served == result.totalRequests)
        for row in rows { print("tracking: \(row.value)" + (row.peerValue.map { " | peer: \($0)" } ?? "")) }
        return rows
    }

    /// Submits `count` imagines, a few at a time, and returns their ids.
    static func submit(_ count: Int, to client: MidjourneyClient) async throws -> [String] {
        try await withThrowingTaskGroup(of: String?.self) { group in
            var ids: [String] = []
            var next = 0
            func add() {
                let i = next
                next += 1
                group.addTask { try await client.imagine(ImagineRequest(prompt: "tracking benchmark \(i)")).taskId }
            }
            for _ in 0..<min(16, count) { add() }
            while let id = try await group.next() {
                if let id { ids.append(id) }
                if next < count { add() }
            }
            return ids
        }
    }

    /// The worker: a real SQLite store with the 10,000 tasks, the bridge's tracker on them.
    static func worker(arguments: [String]) async throws {
        guard arguments.count == 4 else { throw BenchError("usage: tracking-scale-worker BASE_URL IDS_FILE WORK_DIR RESULT_FILE") }
        let (baseURL, idsPath, workDir, resultPath) = (arguments[0], arguments[1], arguments[2], arguments[3])
        let ids = try String(contentsOfFile: idsPath, encoding: .utf8).split(separator: "\n").map(String.init)
        // As `mjbridge run` does first thing: the worker stands for the bot's process.
        AllocatorArenas.limit()
        let rssAtStart = ProcessFootprint.residentBytes()

        let statements = StatementTally()
        let store = try SQLiteStore.open(path: workDir + "/bench.sqlite", statementObserver: { statements.record($0) })
        let now = Date()
        let route = TaskRoute(network: "bench", channel: "#bench", nick: "alice")
        try await store.insertAll(ids.enumerated().map { i, id in
            TaskRecord(id: id, route: route, kind: "imagine", prompt: "tracking benchmark \(i)", status: "SUBMITTED", statusRank: 1,
                       createdAt: now.addingTimeInterval(Double(i) / 1000), deadline: now.addingTimeInterval(24 * 3600))
        })

        let client = try MidjourneyClient(configuration: MidjourneyConfiguration(baseURL: baseURL),
                                          httpClient: MidjourneyClient.sharedHTTPClient)
        let source = CountingClientSource(client: client)
        var logger = Logger(label: "bench.tracking")
        logger.logLevel = .warning
        let delivery = OutboxDelivery(store: store, transport: ConsoleTransport(write: { _ in }), now: { Date() }, logger: logger)
        let batch = 100
        let configuration = BridgeConfiguration(pollBatchSize: batch, defaultProgress: .off)
        let tracker = TaskTracker(store: store, delivery: delivery, source: source, configuration: configuration,
                                  clock: .system, logger: logger)

        let rssAfterInsert = ProcessFootprint.residentBytes()
        // Warm-up: the first cycle records each task's first report (the running ones move to IN_PROGRESS).
        await tracker.poll(everything: true)
        await delivery.settled()
        let rssAfterWarmUp = ProcessFootprint.residentBytes()
        FileHandle.standardError.write(Data("tracking worker: warm-up cycle done, RSS \(ProcessFootprint.megabytes(rssAfterWarmUp))\n".utf8))
        var cycles: [TrackingScaleResult.Cycle] = []
        let cycleCount = ProcessInfo.processInfo.environment["MJBRIDGE_BENCH_TRACKING_CYCLES"].flatMap { Int($0) } ?? measuredCycles
        for _ in 0..<cycleCount {
            statements.reset()
            let requestsBefore = source.requests
            let cpuStart = ProcessFootprint.processCPUSeconds()
            let start = ContinuousClock.now
            await tracker.poll(everything: true)
            await delivery.settled()
            let wall = ContinuousClock.now - start
            let cpu = ProcessFootprint.processCPUSeconds() - cpuStart
            cycles.append(.init(requests: source.requests - requestsBefore, cpuSeconds: cpu, wallSeconds: seconds(wall),
                                statements: statements.snapshot()))
            FileHandle.standardError.write(Data("tracking worker: cycle \(cycles.count): \(cycles.last!.requests) requests, \(Int(cpu * 1000)) ms CPU, \(Int(seconds(wall) * 1000)) ms wall, RSS \(ProcessFootprint.megabytes(ProcessFootprint.residentBytes()))\n".utf8))
        }
        let rssAfterCycles = ProcessFootprint.residentBytes()
        let peakAfterCycles = ProcessFootprint.peakResidentBytes()
        // What of it is memory freed but kept by the allocator (glibc's per-thread arenas).
        _ = mallocTrim(0)
        let rssAfterTrim = ProcessFootprint.residentBytes()
        FileHandle.standardError.write(Data("tracking worker: RSS \(ProcessFootprint.megabytes(rssAfterCycles)), after malloc_trim \(ProcessFootprint.megabytes(rssAfterTrim))\n".utf8))

        // The popular bots' way: one `GET /mj/task/{id}/fetch` per pending task. Only the HTTP
        // round trip and decoding are counted, no store work, which flatters the peer.
        var naive: [TrackingScaleResult.Cycle] = []
        for _ in 0..<2 {
            let cpuStart = ProcessFootprint.processCPUSeconds()
            let start = ContinuousClock.now
            var fetched = 0
            for id in ids where try await client.fetch(id: id) != nil { fetched += 1 }
            let wall = ContinuousClock.now - start
            naive.append(.init(requests: fetched, cpuSeconds: ProcessFootprint.processCPUSeconds() - cpuStart,
                               wallSeconds: seconds(wall), statements: [:]))
        }
        let result = TrackingScaleResult(tasks: ids.count, batch: batch, cycles: cycles, naive: naive,
                                         rssAtStart: rssAtStart, rssAfterInsert: rssAfterInsert, rssAfterWarmUp: rssAfterWarmUp,
                                         rssAfterCycles: rssAfterCycles, peakAfterCycles: peakAfterCycles, rssAfterTrim: rssAfterTrim,
                                         totalRequests: source.requests + naive.reduce(0) { $0 + $1.requests })
        try JSONEncoder().encode(result).write(to: URL(fileURLWithPath: resultPath))
        try await MidjourneyClient.sharedHTTPClient.shutdown()
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}

/// The bridge's polling source (as `ChatBridge` builds it), counting the requests it makes.
final class CountingClientSource: TaskSource {
    let client: MidjourneyClient
    private let count = Mutex(0)
    init(client: MidjourneyClient) { self.client = client }
    var requests: Int { count.withLock { $0 } }

    func tasks(ids: [String]) async throws -> [TaskSnapshot] {
        // `list(ids:)` makes one request per `listBatchSize` ids; the tracker hands it one batch.
        let size = client.configuration.listBatchSize
        count.withLock { $0 += (ids.count + size - 1) / size }
        return try await client.list(ids: ids).map(TaskSnapshot.init)
    }
}

/// Counts the statements the store runs, by kind (SELECT, UPDATE, BEGIN…), from every connection.
final class StatementTally: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func record(_ sql: String) {
        let kind = StatementTally.kind(of: sql)
        counts.withLock { $0[kind, default: 0] += 1 }
    }

    func reset() { counts.withLock { $0 = [:] } }
    func snapshot() -> [String: Int] { counts.withLock { $0 } }

    /// The statement's first keyword, upper-cased ("SELECT", "UPDATE", "BEGIN", "COMMIT", …).
    static func kind(of sql: String) -> String {
        let word = sql.drop { $0.isWhitespace }.prefix { $0.isLetter }
        return word.isEmpty ? "OTHER" : word.uppercased()
    }
}

/// glibc's `malloc_trim`, which the Glibc module does not import.
@_silgen_name("malloc_trim")
func mallocTrim(_ pad: Int) -> Int32

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
