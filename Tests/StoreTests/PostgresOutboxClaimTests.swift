import Foundation
import Logging
import PostgresNIO
@testable import PostgresStore
import PostgresTestSupport
import Store
import Testing

/// The claim of outbox lines across processes on the real PostgreSQL of Scripts/pg-testnet: the
/// database, not the process's belief, decides who may claim (its `pg_locks`); a dead holder's
/// claims pass to the new holder at once; row locks make two claims in flight disjoint and
/// make a claim pass over a row another transaction holds instead of waiting for it.
@Suite(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct PostgresOutboxClaimTests {
    static let logger = Logger(label: "test.claim")

    /// A store (a "process" with its own pool) on a fresh database, and the configuration to
    /// open more on the same database.
    static func openStore() async throws -> (PostgresStore, PostgresStoreConfiguration) {
        let database = try await PostgresTestServer.shared.freshDatabase()
        var configuration = try PostgresStoreConfiguration(url: database.url, password: database.password)
        configuration.maximumConnections = 4
        return (try await PostgresStore.open(configuration, logger: logger), configuration)
    }

    static func session(_ configuration: PostgresStoreConfiguration, _ id: String) async throws -> PostgresOwnershipSession {
        try await PostgresOwnershipSession.open(configuration, processId: id, host: "testhost", pid: 4242, startedAt: Date(),
                                                silenceLimit: .seconds(30), logger: logger)
    }

    /// A plain session (for transactions a test keeps open, and the key layout).
    static func rawSession(_ configuration: PostgresStoreConfiguration) async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.any(),
            configuration: PostgresStore.connectionConfiguration(configuration, tls: .disable),
            id: Int.random(in: 1...Int(Int32.max)), logger: logger).get()
    }

    /// `body`, or a failure after `seconds` (the body is not cancelled; the store's own
    /// lock_timeout ends a statement that waits).
    static func within<T: Sendable>(_ seconds: Int, _ what: String,
                                    _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw PostgresStoreError.failed(reason: "test deadline: \(what) took over \(seconds) s", sqlState: nil)
            }
            return value
        }
    }

    /// Retries `body` every 100 ms until it is true; false after `seconds`.
    static func eventually(_ seconds: Double, _ body: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await body() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    static func lines(_ count: Int, network: String = "libera", prefix: String = "line") -> [OutboxLine] {
        (0..<count).map {
            OutboxLine(network: network, target: $0 % 2 == 0 ? "#art" : "bob", isChannel: $0 % 2 == 0, text: "\(prefix) \($0)",
                       style: "privmsg", createdAt: t0)
        }
    }

    /// Who holds what, as the claim reads it: pg_locks shows a `bigint` advisory key split into
    /// `classid` (high half) and `objid` (low half) with `objsubid` 1, in the lock's database.
    /// Keys with the top bit set (negative) included: the halves are unsigned.
    @Test func pgLocksShowsTheNetworkKeySplitAsTheClaimReadsIt() async throws {
        let (store, configuration) = try await Self.openStore()
        let session = try await Self.session(configuration, "a")
        let names = ["libera", "oftc", "matrix:bot", "efnet", "rizon", "ircnet"]
        let keys = names.map(PostgresOwnershipSession.lockKey)
        #expect(keys.contains { $0 < 0 } && keys.contains { $0 > 0 }, "both signs among \(keys)")
        for name in names { #expect(try await session.tryLock(name)) }
        let rows = try await store.query("""
            SELECT classid::int8, objid::int8, objsubid::int4 FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND pid = \(session.backendPID)
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)
        var shown = Set<[Int64]>()
        for row in rows {
            let (classid, objid, objsubid) = try row.decode((Int64, Int64, Int32).self)
            #expect(objsubid == 1)
            shown.insert([classid, objid])
        }
        let expected = Set(keys.map { key -> [Int64] in
            let bits = UInt64(bitPattern: key)
            return [Int64(bits >> 32), Int64(bits & 0xFFFF_FFFF)]
        })
        #expect(shown == expected)
        await session.close(removingRow: true)
        await store.close()
    }

    /// Two processes, two real ownership sessions: the holder claims, the other claims nothing
    /// (it is not told lines exist either), also with lines it once claimed. A holder that
    /// released the network claims nothing more although its session lives. The next holder's
    /// claim restamps every line (`claimed_by` is written when the claimant changes, and only
    /// then, see `aSecondClaimByTheSameHolderWritesNoRow`).
    @Test func onlyTheHolderClaims() async throws {
        let (storeA, configuration) = try await Self.openStore()
        let storeB = try await PostgresStore.open(configuration, logger: Self.logger)
        let a = try await Self.session(configuration, "a")
        let b = try await Self.session(configuration, "b")
        #expect(a.backendPID != b.backendPID)
        #expect(try await a.tryLock("libera"))
        #expect(try await b.tryLock("libera") == false)
        #expect(try await b.tryLock("oftc"))
        try await storeA.enqueue(Self.lines(4) + Self.lines(2, network: "oftc"))

        let byB = try await storeB.claimOwedLines(network: "libera", claimant: b.claimant(for: "libera"))
        #expect(!byB.isHeld && byB.lines.isEmpty && byB.skipped.isEmpty)
        let byA = try await storeA.claimOwedLines(network: "libera", claimant: a.claimant(for: "libera"))
        #expect(byA.isHeld && byA.lines.map(\.text) == ["line 0", "line 1", "line 2", "line 3"])
        let oftc = try await storeA.claimOwedLines(network: "oftc", claimant: b.claimant(for: "oftc"))
        #expect(oftc.isHeld && oftc.lines.count == 2, "the claim is the claimant's, whichever pool runs it")
        #expect(try await storeA.claimOwedLines(network: "oftc", claimant: a.claimant(for: "oftc")).lines.isEmpty)

        // a lets go of libera (a hand-over): its session lives but no longer holds the lock.
        try await a.unlock("libera")
        let afterRelease = try await storeA.claimOwedLines(network: "libera", claimant: a.claimant(for: "libera"))
        #expect(!afterRelease.isHeld && afterRelease.lines.isEmpty)
        #expect(try await b.tryLock("libera"))
        let taken = try await storeB.claimOwedLines(network: "libera", claimant: b.claimant(for: "libera"))
        #expect(taken.lines.count == 4, "a released holder's claims pass to the next")
        let claimedBy = try await storeB.query("SELECT DISTINCT claimed_by FROM outbox WHERE network = 'libera'")
            .map { try $0.decode(Int32.self) }
        #expect(claimedBy == [b.backendPID])

        await a.close(removingRow: true)
        await b.close(removingRow: true)
        await storeA.close()
        await storeB.close()
    }

    /// The holder's session is ended by the server (as a database restart, or a silent holder,
    /// would have it) while the process still trusts its hold: from then on its claim returns
    /// nothing, and the new holder's first claim takes everything, the lines the dead one had
    /// claimed included (no lease to wait out), and restamps them.
    @Test func aDeadHoldersClaimsPassToTheNewHolderAtOnce() async throws {
        let (storeA, configuration) = try await Self.openStore()
        let storeB = try await PostgresStore.open(configuration, logger: Self.logger)
        let a = try await Self.session(configuration, "a")
        let b = try await Self.session(configuration, "b")
        #expect(try await a.tryLock("libera"))
        try await storeA.enqueue(Self.lines(6))
        let first = try await storeA.claimOwedLines(network: "libera", claimant: a.claimant(for: "libera"))
        #expect(first.lines.count == 6)
        #expect(try await storeA.markSent(lineIds: [try #require(first.lines[0].id)], at: t0).count == 1)
        try await storeA.enqueue(Self.lines(2, prefix: "late"))

        try await storeB.query("SELECT pg_terminate_backend(\(a.backendPID))")
        #expect(try await Self.eventually(10) {
            try await storeA.query("SELECT count(*)::int8 FROM pg_stat_activity WHERE pid = \(a.backendPID)")
                .first?.decode(Int64.self) == 0
        }, "the server ended a's session")
        let dead = try await storeA.claimOwedLines(network: "libera", claimant: a.claimant(for: "libera"))
        #expect(!dead.isHeld && dead.lines.isEmpty, "a dead session claims nothing")

        #expect(try await Self.eventually(10) { try await b.tryLock("libera") })
        let taken = try await storeB.claimOwedLines(network: "libera", claimant: b.claimant(for: "libera"))
        #expect(taken.isHeld)
        #expect(taken.lines.map(\.text) == ["line 1", "line 2", "line 3", "line 4", "line 5", "late 0", "late 1"])
        #expect(taken.skipped.isEmpty)
        let claimedBy = try await storeB.query("""
            SELECT DISTINCT claimed_by FROM outbox WHERE network = 'libera' AND sent_at IS NULL
            """).map { try $0.decode(Int32.self) }
        #expect(claimedBy == [b.backendPID])

        await a.close(removingRow: false)
        await b.close(removingRow: true)
        await storeA.close()
        await storeB.close()
    }

    /// Two claim statements in flight at once (each in a transaction kept open until both have
    /// answered, so their row locks overlap) never return the same line, and between them
    /// claim every owed line: one takes what the other had locked as skipped. Many rounds.
    /// Without SKIP LOCKED the second would wait for the first's commit, which comes only after
    /// it answered: the round's deadline fails the test.
    @Test func twoClaimsInFlightNeverReturnTheSameLine() async throws {
        let (store, configuration) = try await Self.openStore()
        let holder = try await Self.session(configuration, "holder")
        #expect(try await holder.tryLock("libera"))
        let claimant = holder.claimant(for: "libera")
        let one = try await Self.rawSession(configuration)
        let two = try await Self.rawSession(configuration)
        let rounds = 40
        var claimedTotal = 0
        var split = 0
        for round in 0..<rounds {
            try await store.enqueue(Self.lines(10, prefix: "r\(round)"))
            let owed = Set(try await store.owedLines(network: "libera").compactMap(\.id))
            let (first, second) = try await Self.within(20, "two claims in flight, round \(round)") {
                try await one.query("BEGIN", logger: Self.logger)
                try await two.query("BEGIN", logger: Self.logger)
                async let a = PostgresStore.decodeClaim(
                    try await one.query(PostgresStore.claimQuery(network: "libera", claimant: claimant), logger: Self.logger).collect())
                async let b = PostgresStore.decodeClaim(
                    try await two.query(PostgresStore.claimQuery(network: "libera", claimant: claimant), logger: Self.logger).collect())
                let both = try await (a, b)
                try await one.query("COMMIT", logger: Self.logger)
                try await two.query("COMMIT", logger: Self.logger)
                return both
            }
            let idsA = Set(first.lines.compactMap(\.id))
            let idsB = Set(second.lines.compactMap(\.id))
            #expect(first.isHeld && second.isHeld)
            #expect(idsA.isDisjoint(with: idsB), "round \(round): both claimed \(idsA.intersection(idsB).sorted())")
            #expect(idsA.union(idsB) == owed, "round \(round): every owed line is claimed by one of them")
            #expect(Set(first.skipped.compactMap(\.id)).isSubset(of: idsB) && Set(second.skipped.compactMap(\.id)).isSubset(of: idsA))
            if !idsA.isEmpty && !idsB.isEmpty { split += 1 }
            claimedTotal += idsA.count + idsB.count
            // Delivered: the next round starts from nothing owed.
            let marked = try await store.markSent(lineIds: Array(idsA) + Array(idsB), at: t0)
            #expect(marked.count == owed.count)
        }
        #expect(claimedTotal == rounds * 10)
        print("two claims in flight: \(claimedTotal) lines over \(rounds) rounds, both claimed some in \(split) rounds")
        try? await one.close()
        try? await two.close()
        await holder.close(removingRow: true)
        await store.close()
    }

    /// A row another session has locked in an open transaction is passed over at once (listed
    /// as skipped, its target's later lines still claimed: the worker keeps them back), and
    /// claimed by the next claim once that transaction ended.
    @Test func aLockedRowIsSkippedNotWaitedForAndClaimedNextTime() async throws {
        let (store, configuration) = try await Self.openStore()
        let holder = try await Self.session(configuration, "holder")
        #expect(try await holder.tryLock("libera"))
        let claimant = holder.claimant(for: "libera")
        try await store.enqueue(Self.lines(4))
        let ids = try await store.owedLines(network: "libera").compactMap(\.id)
        let other = try await Self.rawSession(configuration)
        try await other.query("BEGIN", logger: Self.logger)
        try await other.query("SELECT id FROM outbox WHERE id = \(ids[1]) FOR UPDATE", logger: Self.logger)

        let passed = try await Self.within(10, "a claim beside a locked row") {
            try await store.claimOwedLines(network: "libera", claimant: claimant)
        }
        #expect(passed.isHeld)
        #expect(passed.lines.compactMap(\.id) == [ids[0], ids[2], ids[3]])
        #expect(passed.skipped.compactMap(\.id) == [ids[1]])
        #expect(passed.skipped.first?.text == "line 1")

        try await other.query("ROLLBACK", logger: Self.logger)
        let next = try await store.claimOwedLines(network: "libera", claimant: claimant)
        #expect(next.lines.compactMap(\.id) == ids && next.skipped.isEmpty)
        try? await other.close()
        await holder.close(removingRow: true)
        await store.close()
    }

    /// `xmin` of each of `network`'s rows: it changes when a row is rewritten (an UPDATE makes a
    /// new row version), not when it is only row-locked.
    static func rowVersions(_ store: PostgresStore, network: String = "libera") async throws -> [Int64: String] {
        var versions: [Int64: String] = [:]
        for row in try await store.query("SELECT id, xmin::text FROM outbox WHERE network = \(network)") {
            let (id, xmin) = try row.decode((Int64, String).self)
            versions[id] = xmin
        }
        return versions
    }

    /// A round claims what it already claimed, round after round (held lines included): that
    /// must cost row locks, not a rewritten row per owed line. The second claim by the same
    /// session writes no row (every `xmin` unchanged) and still returns every line; a claim by
    /// a new holder writes each row once (the check can see a write).
    @Test func aSecondClaimByTheSameHolderWritesNoRow() async throws {
        let (store, configuration) = try await Self.openStore()
        let a = try await Self.session(configuration, "a")
        let b = try await Self.session(configuration, "b")
        #expect(try await a.tryLock("libera"))
        try await store.enqueue(Self.lines(6))
        let ids = try await store.owedLines(network: "libera").compactMap(\.id)
        try await store.hold(lineIds: [ids[0], ids[2]], reason: "cannot send to #art (+m)", at: t0)
        let first = try await store.claimOwedLines(network: "libera", claimant: a.claimant(for: "libera"))
        #expect(first.lines.compactMap(\.id) == ids)
        let claimed = try await Self.rowVersions(store)
        #expect(claimed.count == 6)

        for _ in 0..<3 {
            let again = try await store.claimOwedLines(network: "libera", claimant: a.claimant(for: "libera"))
            #expect(again.isHeld && again.lines.compactMap(\.id) == ids && again.skipped.isEmpty)
            #expect(again.lines.filter { $0.heldSince != nil }.compactMap(\.id) == [ids[0], ids[2]])
        }
        #expect(try await Self.rowVersions(store) == claimed, "a claim by the same session rewrote rows")

        // A new holder: each row is written once, to say so.
        try await a.unlock("libera")
        #expect(try await b.tryLock("libera"))
        let taken = try await store.claimOwedLines(network: "libera", claimant: b.claimant(for: "libera"))
        #expect(taken.lines.compactMap(\.id) == ids)
        let restamped = try await Self.rowVersions(store)
        #expect(ids.allSatisfy { restamped[$0] != claimed[$0] }, "the new holder's claim stamps every line")
        #expect(try await store.query("SELECT DISTINCT claimed_by FROM outbox").map { try $0.decode(Int32.self) } == [b.backendPID])
        _ = try await store.claimOwedLines(network: "libera", claimant: b.claimant(for: "libera"))
        #expect(try await Self.rowVersions(store) == restamped)

        await a.close(removingRow: true)
        await b.close(removingRow: true)
        await store.close()
    }

    /// The claim locks `FOR NO KEY UPDATE`: it changes no key, so a transaction holding a row
    /// `FOR KEY SHARE` (what a foreign key check to `outbox` would take) does not make the
    /// line skip; a `FOR SHARE` lock (a real conflict with a change) still does.
    @Test func aKeyShareLockDoesNotMakeALineSkip() async throws {
        let (store, configuration) = try await Self.openStore()
        let holder = try await Self.session(configuration, "holder")
        #expect(try await holder.tryLock("libera"))
        try await store.enqueue(Self.lines(3))
        let ids = try await store.owedLines(network: "libera").compactMap(\.id)
        let other = try await Self.rawSession(configuration)
        try await other.query("BEGIN", logger: Self.logger)
        try await other.query("SELECT id FROM outbox WHERE id = \(ids[0]) FOR KEY SHARE", logger: Self.logger)
        try await other.query("SELECT id FROM outbox WHERE id = \(ids[1]) FOR SHARE", logger: Self.logger)
        let claim = try await Self.within(10, "a claim beside share locks") {
            try await store.claimOwedLines(network: "libera", claimant: holder.claimant(for: "libera"))
        }
        #expect(claim.lines.compactMap(\.id) == [ids[0], ids[2]])
        #expect(claim.skipped.compactMap(\.id) == [ids[1]])
        try await other.query("ROLLBACK", logger: Self.logger)
        try? await other.close()
        await holder.close(removingRow: true)
        await store.close()
    }

    /// The claimant is its session, not only a pid: a claimant with the holder's pid but
    /// another backend start time (the pid recycled for a new session after the holder's
    /// ended) claims nothing, and the session's own claimant does.
    @Test func aRecycledPidIsNotTheClaimant() async throws {
        let (store, configuration) = try await Self.openStore()
        let holder = try await Self.session(configuration, "holder")
        #expect(try await holder.tryLock("libera"))
        try await store.enqueue(Self.lines(2))
        let real = holder.claimant(for: "libera")
        #expect(real.backendStartMicros == holder.backendStartMicros)
        var impostor = real
        impostor.backendStartMicros = holder.backendStartMicros - 1_000_000
        let refused = try await store.claimOwedLines(network: "libera", claimant: impostor)
        #expect(!refused.isHeld && refused.lines.isEmpty)
        let claimed = try await store.claimOwedLines(network: "libera", claimant: real)
        #expect(claimed.isHeld && claimed.lines.count == 2)
        await holder.close(removingRow: true)
        await store.close()
    }

    /// The check a refused claim triggers (`PostgresOwnershipSession.holdsLock`): true while
    /// the session holds the network; once the lock is released on that very session behind
    /// the process's back, false, and the claim is refused too.
    @Test func theSessionTellsWhetherItStillHoldsTheLock() async throws {
        let (store, configuration) = try await Self.openStore()
        let holder = try await Self.session(configuration, "holder")
        let other = try await Self.session(configuration, "other")
        #expect(try await holder.tryLock("libera"))
        #expect(try await other.tryLock("oftc"))
        #expect(try await holder.holdsLock("libera"))
        #expect(try await holder.holdsLock("oftc") == false, "another session's lock is not this one's")
        try await store.enqueue(Self.lines(1))
        #expect(try await store.claimOwedLines(network: "libera", claimant: holder.claimant(for: "libera")).isHeld)

        try await holder.unlock("libera")
        #expect(try await holder.holdsLock("libera") == false)
        #expect(try await store.claimOwedLines(network: "libera", claimant: holder.claimant(for: "libera")).isHeld == false)
        await holder.close(removingRow: true)
        await other.close(removingRow: true)
        await store.close()
    }
}
