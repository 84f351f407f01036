import Foundation
import Logging
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
    /// A store on a fresh database reached through a relay (`body` gets both), closed after.
    static func withRelayedStore(_ body: @escaping @Sendable (PostgresStore, PostgresCommitRelay) async throws -> Void) async throws {
        let database = try await PostgresTestServer.shared.freshDatabase()
        let relay = try PostgresCommitRelay(serverPort: database.server.port)
        defer { relay.stop() }
        let url = "postgres://\(database.server.user)@127.0.0.1:\(relay.port)/\(database.name)?sslmode=disable"
        var configuration = try PostgresStoreConfiguration(url: url, password: database.password)
        configuration.maximumConnections = 2
        let opening = configuration
        let store = try await PostgresStoreHardeningTests.within(60, "opening the store through the relay") {
            try await PostgresStore.open(opening, logger: Logger(label: "test.pg"))
        }
        let outcome: Result<Void, any Error>
        do {
            try await PostgresStoreHardeningTests.within(90, "the test's work through the relay") {
                try await body(store, relay)
                return true
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try await PostgresStoreHardeningTests.within(60, "closing the store") {
            await store.close()
            return true
        }
        try outcome.get()
    }

    /// The relay cut exactly one connection (else the test proved nothing about a lost COMMIT).
    static func expectOneCut(_ relay: PostgresCommitRelay) {
        #expect(relay.cutCount == 1, "the relay cut \(relay.cutCount) connections after their COMMIT")
    }

    @Test func anEnqueueWhoseCommitAnswerIsLostIsReportedUnknownAndWasSaved() async throws {
        try await Self.withRelayedStore { store, relay async throws in
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
            #expect(try await store.lines(forTask: id).map(\.text) == ["done: a red fox"])
            #expect(store.retries == 0, "an unknown outcome is never retried")
        }
    }

    @Test func aTaskInsertWhoseCommitAnswerIsLostIsReportedUnknown() async throws {
        try await Self.withRelayedStore { store, relay async throws in
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
            #expect(try await store.task(id: id) != nil)
            #expect(try await store.lines(forTask: id).count == 1)
        }
    }

    /// A single-statement write commits by itself: its lost answer is the same unknown.
    @Test func aSingleStatementWriteWhoseAnswerIsLostIsReportedUnknown() async throws {
        try await Self.withRelayedStore { store, relay async throws in
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
            #expect(try await store.recentAudit(limit: 10).map(\.command) == ["ban"])
        }
    }

    /// A read whose connection is lost wrote nothing: it is read again on another connection
    /// (so a caller checking what an unknown commit left finds it, instead of a second error).
    @Test func aReadWhoseAnswerIsLostIsReadAgain() async throws {
        try await Self.withRelayedStore { store, relay async throws in
            let id = "1748339029401828"
            try await store.insert(makeTask(id), lines: [])
            relay.cutAfterNext("FROM task WHERE id")
            #expect(try await store.task(id: id)?.id == id)
            Self.expectOneCut(relay)
        }
    }
}
