import Foundation
import GRDB
import Testing
@testable import Store

/// The limits' counters on both stores (SQLite and a real PostgreSQL): counting, reservations,
/// overrides, restarts and races, the races with two stores on one database as two processes
/// would be. The decisions are the bridge's; here a closure stands for them.
@Suite struct LimitStoreTests {
    static let day = "2025-05-27"
    static let alice = JobRequester(identity: "alice", nick: "Alice", channelScopeKey: art.scopeKey, day: day)

    /// The cap the bridge would apply, as a closure over the counters.
    static func cap(_ limit: Int) -> @Sendable (JobCounters) -> String? {
        { $0.usedToday >= limit ? "daily" : nil }
    }

    @Test(arguments: StoreKind.all)
    func reservingCountsAndReleasingGivesBack(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            guard case .reserved(let first) = try await store.reserveJob(Self.alice, at: t0, decide: Self.cap(5)) else {
                Issue.record("refused"); return
            }
            var counters = try await store.jobCounters(Self.alice, at: t0)
            #expect(counters.usedToday == 1)
            #expect(counters.pendingUser == 1 && counters.pendingChannel == 1 && counters.pendingTotal == 1)
            #expect(counters.lastSubmissionAt == t0)

            // The proxy refused the second: its unit, slot and cooldown come back.
            guard case .reserved(let second) = try await store.reserveJob(Self.alice, at: t0.addingTimeInterval(20), decide: Self.cap(5)) else {
                Issue.record("refused"); return
            }
            try await store.releaseReservation(second)
            counters = try await store.jobCounters(Self.alice, at: t0.addingTimeInterval(20))
            #expect(counters.usedToday == 1)
            #expect(counters.pendingUser == 1)
            #expect(counters.lastSubmissionAt == t0)
            // Releasing twice gives back once.
            try await store.releaseReservation(second)
            #expect(try await store.jobCounters(Self.alice, at: t0).usedToday == 1)

            // The first became a task: the slot is now the task's, the unit stays spent.
            var task = makeTask("1748339029401828")
            task.userKey = "alice"
            try await store.insert(task)
            try await store.completeReservation(first)
            counters = try await store.jobCounters(Self.alice, at: t0)
            #expect(counters.usedToday == 1 && counters.pendingUser == 1 && counters.pendingChannel == 1 && counters.pendingTotal == 1)

            // Finished: no longer pending.
            _ = try await store.update(taskId: task.id) { task, _ in task.isTerminal = true }
            counters = try await store.jobCounters(Self.alice, at: t0)
            #expect(counters.usedToday == 1 && counters.pendingUser == 0 && counters.pendingChannel == 0 && counters.pendingTotal == 0)
        }
    }

    @Test(arguments: StoreKind.all)
    func releasingAnOlderReservationKeepsALaterSubmissionTime(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            guard case .reserved(let first) = try await store.reserveJob(Self.alice, at: t0, decide: { _ in nil as String? }),
                  case .reserved = try await store.reserveJob(Self.alice, at: t0.addingTimeInterval(1), decide: { _ in nil as String? })
            else { Issue.record("refused"); return }
            try await store.releaseReservation(first)
            let counters = try await store.jobCounters(Self.alice, at: t0.addingTimeInterval(2))
            #expect(counters.lastSubmissionAt == t0.addingTimeInterval(1))
            #expect(counters.usedToday == 1 && counters.pendingUser == 1)
        }
    }

    /// A nick names the identity that submitted under it last; one whose only submission was
    /// given back (no time) comes after any with a time, as SQLite sorts NULL.
    @Test(arguments: StoreKind.all)
    func aNickNamesItsLastSubmitter(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            guard case .reserved(let given) = try await store.reserveJob(Self.alice, at: t0, decide: { _ in nil as String? })
            else { Issue.record("refused"); return }
            try await store.releaseReservation(given)
            #expect(try await store.jobCounters(Self.alice, at: t0).lastSubmissionAt == nil)
            #expect(try await store.identity(lastUsingNick: "alice") == "alice")
            let masked = JobRequester(identity: "*!alice@host", nick: "ALICE", channelScopeKey: nil, day: Self.day)
            _ = try await store.reserveJob(masked, at: t0.addingTimeInterval(10)) { _ in nil as String? }
            #expect(try await store.identity(lastUsingNick: "Alice") == "*!alice@host")
            let later = JobRequester(identity: "alice", nick: "Alice", channelScopeKey: nil, day: Self.day)
            _ = try await store.reserveJob(later, at: t0.addingTimeInterval(20)) { _ in nil as String? }
            #expect(try await store.identity(lastUsingNick: "alice") == "alice")
            #expect(try await store.identity(lastUsingNick: "bob") == nil)
            #expect(try await store.knowsIdentity("*!alice@host"))
        }
    }

    @Test(arguments: StoreKind.all)
    func pendingCountsSeparateUsersChannelsAndPrivate(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let bob = JobRequester(identity: "*!bob@host", nick: "bob", channelScopeKey: art.scopeKey, day: Self.day)
            let bobPrivate = JobRequester(identity: "*!bob@host", nick: "bob", channelScopeKey: nil, day: Self.day)
            let otherChannel = JobRequester(identity: "carol", nick: "carol",
                                            channelScopeKey: TaskRoute(network: "net", channel: "#other", nick: "carol").scopeKey, day: Self.day)
            for requester in [Self.alice, bob, bobPrivate, otherChannel] {
                _ = try await store.reserveJob(requester, at: t0) { _ in nil as String? }
            }
            let forBob = try await store.jobCounters(bob, at: t0)
            #expect(forBob.pendingUser == 2)
            #expect(forBob.pendingChannel == 2, "alice's and bob's in #art")
            #expect(forBob.pendingTotal == 4)
            #expect(forBob.usedToday == 2)
            #expect(try await store.jobCounters(bobPrivate, at: t0).pendingChannel == nil)
            #expect(try await store.jobCounters(otherChannel, at: t0).pendingChannel == 1)
        }
    }

    @Test(arguments: StoreKind.all)
    func aRefusalCountsNothing(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
                let outcome = try await store.reserveJob(Self.alice, at: t0) { _ in "no" }
                #expect(outcome == .refused("no"))
                let counters = try await store.jobCounters(Self.alice, at: t0)
                #expect(counters == JobCounters(pendingChannel: 0))
        }
    }

    @Test(arguments: StoreKind.all)
    func staleReservationsStopHoldingSlots(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
                _ = try await store.reserveJob(Self.alice, at: t0) { _ in nil as String? }
                let later = t0.addingTimeInterval(StoreConventions.reservationLifetime + 1)
                let counters = try await store.jobCounters(Self.alice, at: later)
                #expect(counters.pendingUser == 0 && counters.pendingTotal == 0)
                #expect(counters.usedToday == 1, "the unit stays spent")
                // A reservation made after the lapse deletes the lapsed one and counts only itself.
                _ = try await store.reserveJob(Self.alice, at: later) { _ in nil as String? }
                let after = try await store.jobCounters(Self.alice, at: later)
                #expect(after.pendingUser == 1 && after.pendingTotal == 1 && after.usedToday == 2)
        }
    }

    @Test(arguments: StoreKind.all)
    func countersAndOverridesSurviveARestart(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            do {
                let store = try await open()
                for i in 0..<3 {
                    guard case .reserved(let r) = try await store.reserveJob(Self.alice, at: t0.addingTimeInterval(Double(i) * 60),
                                                                             decide: Self.cap(25)) else { Issue.record("refused"); return }
                    try await store.completeReservation(r)
                }
                try await store.setQuotaOverride(identity: "alice", day: Self.day, limit: 40, at: t0)
                try await store.setQuotaOverride(identity: "alice", day: nil, limit: 7, at: t0)
                try await store.setQuotaOverride(identity: StoreConventions.everyoneQuotaKey, day: nil, limit: 0, at: t0)
            }
            let reopened = try await open()
            let counters = try await reopened.jobCounters(Self.alice, at: t0.addingTimeInterval(300))
            #expect(counters.usedToday == 3)
            #expect(counters.lastSubmissionAt == t0.addingTimeInterval(120))
            #expect(counters.todayLimit == 40 && counters.userDefaultLimit == 7 && counters.globalDefaultLimit == 0)
            let usage = try await reopened.quotaUsage(identity: "alice", day: Self.day)
            #expect(usage == QuotaUsage(identity: "alice", lastNick: "Alice", usedToday: 3, todayLimit: 40, userDefaultLimit: 7,
                                        globalDefaultLimit: 0))
            #expect(try await reopened.identity(lastUsingNick: "ALICE") == "alice")
            #expect(try await reopened.knowsIdentity("alice"))
            #expect(!(try await reopened.knowsIdentity("bob")))

            // The next UTC day starts at zero, and today's override does not follow.
            var tomorrow = Self.alice
            tomorrow.day = "2025-05-28"
            let next = try await reopened.jobCounters(tomorrow, at: t0.addingTimeInterval(86_400))
            #expect(next.usedToday == 0 && next.todayLimit == nil && next.userDefaultLimit == 7)

            try await reopened.setQuotaOverride(identity: "alice", day: nil, limit: nil, at: t0)
            #expect(try await reopened.jobCounters(Self.alice, at: t0).userDefaultLimit == nil)
            try await reopened.clearQuotaOverrides(identity: "alice")
            #expect(try await reopened.jobCounters(Self.alice, at: t0).todayLimit == nil)
        }
    }

    @Test(arguments: StoreKind.all)
    func pastDaysArePruned(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
                var yesterday = Self.alice
                yesterday.day = "2025-05-26"
                _ = try await store.reserveJob(yesterday, at: t0) { _ in nil as String? }
                _ = try await store.reserveJob(Self.alice, at: t0) { _ in nil as String? }
                try await store.setQuotaOverride(identity: "alice", day: "2025-05-26", limit: 9, at: t0)
                try await store.setQuotaOverride(identity: "alice", day: Self.day, limit: 8, at: t0)
                try await store.setQuotaOverride(identity: "alice", day: nil, limit: 7, at: t0)
                #expect(try await store.quotaUsage(identity: "alice", day: "2025-05-26").usedToday == 1)
                try await store.pruneLimitCounts(before: Self.day)
                // Yesterday's count and override are gone; today's and the default stay.
                #expect(try await store.quotaUsage(identity: "alice", day: "2025-05-26")
                    == QuotaUsage(identity: "alice", lastNick: "Alice", usedToday: 0, todayLimit: nil, userDefaultLimit: 7,
                                  globalDefaultLimit: nil))
                #expect(try await store.quotaUsage(identity: "alice", day: Self.day)
                    == QuotaUsage(identity: "alice", lastNick: "Alice", usedToday: 1, todayLimit: 8, userDefaultLimit: 7,
                                  globalDefaultLimit: nil))
        }
    }

    /// The tables themselves after pruning (SQLite's): one count row, the default and today's override.
    @Test func pastDaysArePrunedFromTheTables() async throws {
        let store = try SQLiteStore.inMemory()
        var yesterday = Self.alice
        yesterday.day = "2025-05-26"
        _ = try await store.reserveJob(yesterday, at: t0) { _ in nil as String? }
        _ = try await store.reserveJob(Self.alice, at: t0) { _ in nil as String? }
        try await store.setQuotaOverride(identity: "alice", day: "2025-05-26", limit: 9, at: t0)
        try await store.setQuotaOverride(identity: "alice", day: Self.day, limit: 8, at: t0)
        try await store.setQuotaOverride(identity: "alice", day: nil, limit: 7, at: t0)
        try await store.pruneLimitCounts(before: Self.day)
        let rows = try await store.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM limitUsage") ?? -1,
             try String.fetchAll(db, sql: "SELECT day FROM quotaOverride ORDER BY day"))
        }
        #expect(rows.0 == 1)
        #expect(rows.1 == ["", Self.day])
        #expect(try await store.jobCounters(Self.alice, at: t0).usedToday == 1)
    }

    /// Many submissions at once for a cap of 1 (and a pending cap of 1 over different
    /// identities): exactly one passes, each time. Half go through a second store on the same
    /// database (a second SQLite connection pool on the file, a second PostgreSQL pool), as a
    /// second process would.
    @Test(arguments: StoreKind.all)
    func racingReservationsNeverBothPassACap(_ kind: StoreKind) async throws {
        try await kind.withReopenableStore { open in
            let store = try await open()
            let other = try await open()
            for round in 0..<20 {
                let requester = JobRequester(identity: "alice", nick: "Alice", channelScopeKey: art.scopeKey, day: "2025-06-\(round + 10)")
                let passed = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for i in 0..<8 {
                        let which = i % 2 == 0 ? store : other
                        group.addTask {
                            if case .reserved = try await which.reserveJob(requester, at: t0, decide: Self.cap(1)) { return true }
                            return false
                        }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(passed == 1, "round \(round): \(passed) passed a cap of 1")
            }
            // A channel cap over different users.
            let passed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<8 {
                    let requester = JobRequester(identity: "user\(i)", nick: "u\(i)", channelScopeKey: "net\u{1}#race", day: Self.day)
                    // Half through the second store, as a second process would.
                    let which = i % 2 == 0 ? store : other
                    group.addTask {
                        let outcome = try await which.reserveJob(requester, at: t0) { (counters: JobCounters) -> String? in (counters.pendingChannel ?? 0) >= 1 ? "full" : nil }
                        if case .reserved = outcome { return true }
                        return false
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(passed == 1)
        }
    }

    @Test func theMigrationAddsTheIndexesPendingCountsUse() async throws {
        let store = try SQLiteStore.inMemory()
        let indexes = try await store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'task'")
        }
        #expect(indexes.contains("task_pending_user") && indexes.contains("task_pending_scope"))
        let plan = try await store.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM task WHERE isTerminal = 0 AND userKey = 'x'")
                .map { $0["detail"] as String? ?? "" }
        }
        #expect(plan.contains { $0.contains("task_pending_user") }, "\(plan)")
    }
}
