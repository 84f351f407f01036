import Foundation
import Logging
import PostgresStore
import Store
#if canImport(Glibc)
import Glibc
#endif

/// Issue 10: outbox claim throughput. Owed lines claimed and marked sent per second, the way the
/// per-network delivery worker does it (Sources/Bridge/Delivery/OutboxDelivery.swift: a round
/// claims `claimOwedLines(network:claimant:)`, one statement that row-locks the owed lines
/// `FOR NO KEY UPDATE SKIP LOCKED` and checks the claimant's hold in pg_locks; the confirmed lines are
/// marked by the mark writer with `markSent(lineIds:at:)`, one statement per batch), through
/// `PostgresStore` on a throw-away PostgreSQL (Scripts/pg-testnet/start.sh) with 1 and 2
/// "processes" (stores, each with its own connection pool and its own ownership session holding
/// its own network: only a network's holder claims its lines), beside `SQLiteStore` on one file
/// the same way (there the claim is `owedLines`).
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
                    var sessions: [PostgresOwnershipSession] = []
                    var claimants: [OutboxClaimant] = []
                    let tag = "pg\(processes)-\(run)"
                    for index in 0..<processes {
                        var configuration = try PostgresStoreConfiguration(url: pg.url, password: pg.password)
                        configuration.maximumConnections = 4
                        let logger = Logger(label: "bench.claim")
                        stores.append(try await PostgresStore.open(configuration, logger: logger))
                        // The process's lock session, holding its network as the ownership service would.
                        let session = try await PostgresOwnershipSession.open(
                            configuration, processId: "bench-\(tag)-\(index)", host: "bench", pid: Int(getpid()), startedAt: Date(),
                            silenceLimit: .seconds(60), logger: logger)
                        let name = Self.network(tag, index)
                        guard try await session.tryLock(name) else { throw BenchError("\(name): lock not taken") }
                        sessions.append(session)
                        claimants.append(session.claimant(for: name))
                    }
                    let rate = try await claimConcurrently(stores.map { $0 as any BotStore }, claimants: claimants, tag: tag)
                    for session in sessions { await session.close(removingRow: true) }
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
                    // One process per SQLite file: the claim is `owedLines`, the claimant unused.
                    let claimants = (0..<processes).map { _ in OutboxClaimant(backendPID: 0, lockKey: 0) }
                    let rate = try await claimConcurrently(stores.map { $0 as any BotStore }, claimants: claimants,
                                                           tag: "sq\(processes)-\(run)")
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

    static func network(_ tag: String, _ index: Int) -> String { "\(tag)-net\(index)" }

    /// `rounds` rounds of: every store queues `round` lines for its own network (not timed),
    /// then all stores at once claim what they owe and mark it sent (timed, wall clock
    /// from the start of the claims to the last store's end). The lines of all stores over the
    /// claiming time. Throws unless every line was marked exactly once and nothing is left owed.
    static func claimConcurrently(_ stores: [any BotStore], claimants: [OutboxClaimant], tag: String) async throws -> Double {
        let networks = stores.indices.map { Self.network(tag, $0) }
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
                for (index, (store, network)) in zip(stores, networks).enumerated() {
                    let claimant = claimants[index]
                    group.addTask { try await claimRound(store, network: network, claimant: claimant) }
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

    /// One delivery round on `network`: the claim, then the claimed lines marked sent in one
    /// batch (the worker's mark writer takes all the marks waiting); how many were marked.
    static func claimRound(_ store: any BotStore, network: String, claimant: OutboxClaimant) async throws -> Int {
        let claim = try await store.claimOwedLines(network: network, claimant: claimant)
        guard claim.isHeld else { throw BenchError("\(network): the claimant does not hold it") }
        return try await store.markSent(lineIds: claim.lines.compactMap(\.id), at: Date()).count
    }
}
