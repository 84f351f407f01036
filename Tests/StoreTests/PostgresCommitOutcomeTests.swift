import Foundation
import Logging
import Synchronization
@testable import PostgresStore
import PostgresTestSupport
import Store
import Testing

/// A connection lost while a write's COMMIT is in flight: the write may be saved, and the store
/// must say it cannot tell (`commitOutcomeUnknown`), not fail as if nothing happened (a caller
/// that redoes the write then queues it twice). The relay commits for real and cuts the
/// connection before the server's answer reaches the store.
@Suite(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct PostgresCommitOutcomeTests {
    /// A store on a fresh database reached through a relay, a second store on the same database
    /// reached directly (to check what was saved), and the relay; the stores closed after.
    ///
    /// The checks go through the direct store because PostgresNIO's pool (as pinned) can leave
    /// the next lease of the relayed store waiting for good when it comes while the pool is
    /// still retiring the connection the relay cut (seen under a full parallel run); every step
    /// has a deadline, so that shows as a failure naming the step, never as a stalled suite.
    static func withRelayedStore(_ body: @escaping @Sendable (PostgresStore, PostgresStore, PostgresCommitRelay) async throws -> Void)
        async throws {
        let database = try await PostgresTestServer.shared.freshDatabase()
        let relay = try PostgresCommitRelay(serverPort: database.server.port)
        defer { relay.stop() }
        let url = "postgres://\(database.server.user)@127.0.0.1:\(relay.port)/\(database.name)?sslmode=disable"
        var configuration = try PostgresStoreConfiguration(url: url, password: database.password)
        // Headroom: with PostgresNIO's pool at its cap, a lease after a cut connection was seen
        // to wait for good under a full parallel run (see above).
        configuration.maximumConnections = 4
        let opening = configuration
        let store = try await Self.within(60, "opening the store through the relay") {
            try await PostgresStore.open(opening, logger: Logger(label: "test.pg.relayed"))
        }
        var directConfiguration = try PostgresStoreConfiguration(url: database.url, password: database.password)
        directConfiguration.maximumConnections = 2
        let direct = try await PostgresStore.open(directConfiguration, logger: Logger(label: "test.pg"))
        let outcome: Result<Void, any Error>
        do {
            _ = try await Self.within(90, "the test's work through the relay") {
                try await body(store, direct, relay)
                return true
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await direct.close()
        _ = try await Self.within(60, "closing the store") {
            await store.close()
            return true
        }
        try outcome.get()
    }

    /// `body`'s result, or a failure naming `what` after `seconds`, without waiting for a body
    /// that does not end (a task group would wait for it: a hung step must fail the test, not
    /// stall the suite).
    static func within<T: Sendable>(_ seconds: Int, _ what: String,
                                    _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let once = Once<T>()
        return try await withCheckedThrowingContinuation { continuation in
            once.slot.withLock { $0 = continuation }
            let work = Task {
                let result: Result<T, any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                once.slot.withLock { $0.take() }?.resume(with: result)
            }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                guard let late = once.slot.withLock({ $0.take() }) else { return }
                work.cancel()
                late.resume(throwing: PostgresStoreError.failed(reason: "test deadline: \(what) took over \(seconds) s",
                                                                sqlState: nil))
            }
        }
    }

    final class Once<T: Sendable>: Sendable {
        let slot = Mutex<CheckedContinuation<T, any Error>?>(nil)
    }

    /// The relay cut exactly one connection (else the test proved nothing about a lost COMMIT).
    static func expectOneCut(_ relay: PostgresCommitRelay) {
        #expect(relay.cutCount == 1, "the relay cut \(relay.cutCount) connections after their COMMIT")
    }

    @Test func anEnqueueWhoseCommitAnswerIsLostIsReportedUnknownAndWasSaved() async throws {
        try await Self.withRelayedStore { store, direct, relay async throws in
            let id = "1748339029401828"
            try await store.insert(makeTask(id), lines: [])
            relay.cutAfterNext("COMMIT")
            do {
                try await store.enqueue([line("done: a red fox", task: id)])
                Issue.record("the enqueue succeeded although its connection was cut")
            } catch let error as PostgresStoreError {
                guard case .commitOutcomeUnknown = error else {
                    Issue.record("not reported as an unknown commit outcome: \(error)")
                    return
                }
                #expect("\(error)".contains("may or may not have been saved"), "\(error)")
            }
            Self.expectOneCut(relay)
            // It was saved: a caller that queued it again would say it twice.
            #expect(try await direct.lines(forTask: id).map(\.text) == ["done: a red fox"])
            #expect(store.retries == 0, "an unknown outcome is never retried")
        }
    }

    @Test func aTaskInsertWhoseCommitAnswerIsLostIsReportedUnknown() async throws {
        try await Self.withRelayedStore { store, direct, relay async throws in
            let id = "1748339029401828"
            relay.cutAfterNext("COMMIT")
            await #expect(throws: PostgresStoreError.self) {
                do {
                    try await store.insert(makeTask(id), lines: [line("ack", task: id)], acceptingIntent: nil, at: t0)
                } catch let error as PostgresStoreError {
                    guard case .commitOutcomeUnknown = error else {
                        Issue.record("not reported as an unknown commit outcome: \(error)")
                        throw error
                    }
                    throw error
                }
            }
            Self.expectOneCut(relay)
            #expect(try await direct.task(id: id) != nil)
            #expect(try await direct.lines(forTask: id).count == 1)
        }
    }

    /// A single-statement write commits by itself: its lost answer is the same unknown.
    @Test func aSingleStatementWriteWhoseAnswerIsLostIsReportedUnknown() async throws {
        try await Self.withRelayedStore { store, direct, relay async throws in
            relay.cutAfterNext("INSERT INTO audit_entry")
            do {
                _ = try await store.appendAudit(AuditEntry(account: nil, mask: "x!y@z", network: "net", channel: nil,
                                                           command: "ban", target: "bob", outcome: "ok", at: t0))
                Issue.record("the audit write succeeded although its connection was cut")
            } catch let error as PostgresStoreError {
                guard case .commitOutcomeUnknown = error else {
                    Issue.record("not reported as an unknown commit outcome: \(error)")
                    return
                }
            }
            Self.expectOneCut(relay)
            #expect(try await direct.recentAudit(limit: 10).map(\.command) == ["ban"])
        }
    }

    /// A read whose connection is lost wrote nothing: it is read again on another connection
    /// (so a caller checking what an unknown commit left finds it, instead of a second error).
    @Test(.enabled(if: PostgresCommitRelay.reuseAfterCutEnabled, PostgresCommitRelay.reuseAfterCutReason))
    func aReadWhoseAnswerIsLostIsReadAgain() async throws {
        try await Self.withRelayedStore { store, direct, relay async throws in
            let id = "1748339029401828"
            try await store.insert(makeTask(id), lines: [])
            relay.cutAfterNext("FROM task WHERE id")
            #expect(try await store.task(id: id)?.id == id)
            Self.expectOneCut(relay)
        }
    }
}
