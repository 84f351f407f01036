import Foundation
import Logging
import PostgresStore
import PostgresTestSupport
import Testing

/// The lock session against the real PostgreSQL of Scripts/pg-testnet: one holder per network,
/// release when the holder's session ends (closed, or silent past the limit), the holders table,
/// and NOTIFY reaching the holder.
@Suite(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct PostgresOwnershipSessionTests {
    let logger = Logger(label: "test.ownership")

    func store() async throws -> (PostgresStore, PostgresStoreConfiguration) {
        let database = try await PostgresTestServer.shared.freshDatabase()
        var configuration = try PostgresStoreConfiguration(url: database.url, password: database.password)
        configuration.maximumConnections = 2
        return (try await PostgresStore.open(configuration, logger: logger), configuration)
    }

    func session(_ configuration: PostgresStoreConfiguration, _ id: String, silence: Duration = .seconds(30)) async throws -> PostgresOwnershipSession {
        try await PostgresOwnershipSession.open(configuration, processId: id, host: "testhost", pid: 4242, startedAt: Date(),
                                                silenceLimit: silence, logger: logger)
    }

    /// Retries `body` every 100 ms until it is true; false after `seconds`.
    func eventually(_ seconds: Double, _ body: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await body() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func oneHolderPerNetworkAndTheLockIsFreedWhenTheHolderCloses() async throws {
        let (store, configuration) = try await store()
        let a = try await session(configuration, "a")
        let b = try await session(configuration, "b")
        #expect(try await a.tryLock("libera"))
        #expect(try await a.tryLock("oftc"))
        #expect(try await b.tryLock("libera") == false, "held by a")
        #expect(try await b.tryLock("LIBERA") == false, "names are the same network in any case")
        try await a.unlock("oftc")
        #expect(try await b.tryLock("oftc"), "released")
        await a.close(removingRow: true)
        #expect(try await eventually(10) { try await b.tryLock("libera") }, "a's session ended: its locks are free")
        await b.close(removingRow: true)
        await store.close()
    }

    /// A holder that stops talking (as one cut off from the database would) loses its locks
    /// when the server ends its silent session; its own next query then fails.
    @Test func theServerEndsASilentHoldersSession() async throws {
        let (store, configuration) = try await store()
        let silent = try await session(configuration, "silent", silence: .seconds(2))
        let standby = try await session(configuration, "standby")
        #expect(try await silent.tryLock("libera"))
        #expect(try await standby.tryLock("libera") == false)
        let started = ContinuousClock.now
        #expect(try await eventually(30) { try await standby.tryLock("libera") }, "the silent session's lock is released")
        print("a silent holder (limit 2 s) lost its network after \(started.duration(to: .now))")
        // The ended session does not answer: its ping fails or never returns (the shell's fence
        // does not wait for it either). Bounded: 5 s.
        let (answers, sink) = AsyncStream<Bool>.makeStream()
        let ping = Task {
            do {
                _ = try await silent.ping(held: ["libera"])
                sink.yield(true)
            } catch {
                sink.yield(false)
            }
        }
        let timer = Task {
            try? await Task.sleep(for: .seconds(5))
            sink.finish()
        }
        var iterator = answers.makeAsyncIterator()
        let answered = await iterator.next()
        #expect(answered != true, "the ended session still answers")
        ping.cancel()
        timer.cancel()
        // Closing a session the server ended is not waited for (as in the shell).
        Task { await silent.close(removingRow: false) }
        await standby.close(removingRow: true)
        await store.close()
    }

    @Test func theHoldersTableSaysWhoHoldsWhat() async throws {
        let (store, configuration) = try await store()
        let a = try await session(configuration, "a")
        let b = try await session(configuration, "b")
        // Both sessions exist: two live processes.
        #expect(try await a.ping(held: ["libera", "oftc"]) == 2)
        #expect(try await b.ping(held: []) == 2)
        let holdings = try await store.processHoldings()
        #expect(holdings.map(\.processId).sorted() == ["a", "b"])
        #expect(holdings.first { $0.processId == "a" }?.networks == ["libera", "oftc"])
        #expect(holdings.first { $0.processId == "b" }?.networks == [])
        #expect(holdings.allSatisfy { $0.host == "testhost" && $0.pid == 4242 && $0.silentSeconds < 30 })
        await a.close(removingRow: true)
        #expect(try await store.processHoldings().map(\.processId) == ["b"], "a clean stop removes the row")
        #expect(try await b.ping(held: []) == 1)
        await b.close(removingRow: true)
        await store.close()
    }

    @Test func aNotifyWakesTheHolder() async throws {
        let (store, configuration) = try await store()
        let holder = try await session(configuration, "holder")
        let (woken, sink) = AsyncStream<String>.makeStream()
        let listening = Task { try await holder.listen { sink.yield($0) } }
        defer { listening.cancel() }
        // LISTEN takes effect asynchronously: notify until the first one arrives (bounded).
        let notifier = Task {
            for _ in 0..<100 {
                try await store.wakeHolder(of: "libera")
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { notifier.cancel() }
        let timeout = Task {
            try? await Task.sleep(for: .seconds(15))
            sink.finish()
        }
        defer { timeout.cancel() }
        var iterator = woken.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first == "libera")
        notifier.cancel()
        listening.cancel()
        await holder.close(removingRow: true)
        await store.close()
    }
}
