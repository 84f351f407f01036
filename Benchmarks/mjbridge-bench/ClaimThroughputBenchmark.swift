import Foundation
import Logging
import PostgresStore
import Store
#if canImport(Glibc)
import Glibc
#endif

/// Issue 10: outbox claim throughput. Owed lines read and marked sent per second, the way the
/// per-network delivery worker does it (Sources/Bridge/Delivery/OutboxDelivery.swift: a round
/// reads `owedLines(network:)`, then `markSent(lineId:at:)` per line, one statement each), through
/// `PostgresStore` on a throw-away PostgreSQL (Scripts/pg-testnet/start.sh) with 1 and 2
/// "processes" (stores, each with its own connection pool, each draining its own network: only
/// a network's holder claims its lines), beside `SQLiteStore` on one file the same way.
/// Each round first queues `round` lines per store (not timed), then every store claims its
/// lines at once (timed by the wall clock): all stores' lines over the claiming time.
enum ClaimThroughputBenchmark {
    static let runs = 3
    static let round = 100
    static let rounds = ProcessInfo.processInfo.environment["MJBRIDGE_BENCH_CLAIM_ROUNDS"].flatMap { Int($0) } ?? 20

    static func run() async throws -> [BenchmarkRow] {
        let root = FileManager.default.currentDirectoryPath
        guard FileManager.default.isExecutableFile(atPath: root + "/Scripts/pg-testnet/start.sh") else {
            return ClaimResult.unmeasured("run from the repository root (Scripts/pg-testnet/start.sh not found)")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-bench-claim-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let pgDir = work.appendingPathComponent("pg").path
        print("outbox-claim: starting PostgreSQL")
        setenv("PG_TESTNET_WATCH_PID", "\(getpid())", 1)
        guard try await ChildRun.run(root + "/Scripts/pg-testnet/start.sh", [pgDir], quiet: true) == 0 else {
            return ClaimResult.unmeasured("Scripts/pg-testnet/start.sh failed (is postgresql installed?)")
        }
        var result = ClaimResult(postgres: [:], sqlite: [:], linesPerProcess: rounds * round, round: round)
        do {
            let pg = try PgTestnet(directory: pgDir)
            for processes in [1, 2] {
                for run in 1...runs {
                    var stores: [PostgresStore] = []
                    for _ in 0..<processes {
                        var configuration = try PostgresStoreConfiguration(url: pg.url, password: pg.password)
                        configuration.maximumConnections = 4
                        stores.append(try await PostgresStore.open(configuration, logger: Logger(label: "bench.claim")))
                    }
                    let rate = try await claimConcurrently(stores.map { $0 as any BotStore }, tag: "pg\(processes)-\(run)")
                    for store in stores { await store.close() }
                    result.postgres[processes, default: []].append(rate)
                    print("outbox-claim: PostgreSQL, \(processes) process(es), run \(run): \(format(rate)) lines/s")
                }
            }
            for processes in [1, 2] {
                for run in 1...runs {
                    let path = work.appendingPathComponent("claim-\(processes)-\(run).sqlite").path
                    var stores: [SQLiteStore] = []
                    for _ in 0..<processes { stores.append(try SQLiteStore.open(path: path)) }
                    let rate = try await claimConcurrently(stores.map { $0 as any BotStore }, tag: "sq\(processes)-\(run)")
                    result.sqlite[processes, default: []].append(rate)
                    print("outbox-claim: SQLite, \(processes) store(s), run \(run): \(format(rate)) lines/s")
                }
            }
        } catch {
            print("outbox-claim: failed: \(error)")
            _ = try? await ChildRun.run(root + "/Scripts/pg-testnet/stop.sh", ["--remove", pgDir], quiet: true)
            return ClaimResult.unmeasured("failed: \(String(describing: error).prefix(300))")
        }
        _ = try? await ChildRun.run(root + "/Scripts/pg-testnet/stop.sh", ["--remove", pgDir], quiet: true)
        let rows = result.rows()
        for row in rows { print("outbox-claim: \(row.metric.suffix(50)): \(row.value) vs \(row.peerValue ?? "–")") }
        return rows
    }

    /// `rounds` rounds of: every store queues `round` lines for its own network (not timed),
    /// then all stores at once read what they owe and mark each line sent (timed, wall clock
    /// from the start of the claims to the last store's end). The lines of all stores over the
    /// claiming time. Throws unless every line was marked exactly once and nothing is left owed.
    static func claimConcurrently(_ stores: [any BotStore], tag: String) async throws -> Double {
        let networks = stores.indices.map { "\(tag)-net\($0)" }
        var claiming = Duration.zero
        var marked = 0
        for r in 0..<rounds {
            for (store, network) in zip(stores, networks) {
                let now = Date()
                try await store.enqueue((0..<round).map { n in
                    OutboxLine(network: network, target: "#bench", isChannel: true,
                               text: "✅ benchmark result \(r)-\(n) https://example.invalid/images/\(r)/\(n).png",
                               style: "privmsg", taskId: "task-\(network)-\(r)-\(n)", createdAt: now)
                })
            }
            let start = ContinuousClock.now
            marked += try await withThrowingTaskGroup(of: Int.self) { group in
                for (store, network) in zip(stores, networks) {
                    group.addTask { try await claimRound(store, network: network) }
                }
                return try await group.reduce(0, +)
            }
            claiming += start.duration(to: .now)
        }
        for (store, network) in zip(stores, networks) {
            let left = try await store.owedLines(network: network).count
            guard left == 0 else { throw BenchError("\(network): \(left) lines still owed") }
        }
        guard marked == rounds * round * stores.count else {
            throw BenchError("\(tag): \(marked) of \(rounds * round * stores.count) lines marked sent")
        }
        return Double(marked) / StartupBenchmark.seconds(claiming)
    }

    /// One delivery round on `network`: what is owed, each line marked sent; how many were marked.
    static func claimRound(_ store: any BotStore, network: String) async throws -> Int {
        var marked = 0
        for line in try await store.owedLines(network: network) {
            guard let id = line.id else { continue }
            if try await store.markSent(lineId: id, at: Date()) { marked += 1 }
        }
        return marked
    }
}
