import Foundation
import Logging
@testable import PostgresStore
import PostgresTestSupport
import Store
import Testing

/// A store whose connections are lost (a server restart or failover ends every session) goes
/// on with new ones, and a store call that gets no connection fails after
/// `connectionWaitLimit` instead of hanging the bot.
@Suite(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct PostgresConnectionLossTests {
    static func open(_ database: PostgresTestServer.Database, connections: Int,
                     waitLimit: Duration = .seconds(30), answerLimit: Duration = .seconds(120)) async throws -> PostgresStore {
        var configuration = try PostgresStoreConfiguration(url: database.url, password: database.password)
        configuration.maximumConnections = connections
        configuration.connectionWaitLimit = waitLimit
        configuration.connectionAnswerLimit = answerLimit
        let opening = configuration
        return try await PostgresCommitOutcomeTests.within(60, "opening a store") {
            try await PostgresStore.open(opening, logger: Logger(label: "test.pg"))
        }
    }

    /// What a server restart does to a running bot: every session of its pool terminated.
    /// The next calls get new connections (reads retried past the dead ones). Under load,
    /// PostgresNIO was seen to leave a read on a terminated session without any answer: the
    /// store then fails that call after `connectionAnswerLimit` and closes the connection, so a
    /// caller's next try succeeds; more than one such failure per reader fails the test.
    @Test func everySessionTerminatedTheNextCallsConnectAgain() async throws {
        let database = try await PostgresTestServer.shared.freshDatabase()
        let store = try await Self.open(database, connections: 3, answerLimit: .seconds(15))
        let killer = try await Self.open(database, connections: 1)
        do {
            try await PostgresCommitOutcomeTests.within(60, "warming the pool") {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<3 { group.addTask { _ = try await store.recentAudit(limit: 5) } }
                    try await group.waitForAll()
                }
                return true
            }
            for round in 1...2 {
                let terminated = try await PostgresCommitOutcomeTests.within(60, "terminating the sessions") {
                    try await killer.query("""
                        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid()
                        """).count
                }
                #expect(terminated >= 1, "round \(round): no session of the store was terminated")
                _ = try await PostgresCommitOutcomeTests.within(60, "reading after the sessions were terminated (round \(round))") {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for _ in 0..<3 {
                            group.addTask {
                                do {
                                    _ = try await store.recentAudit(limit: 5)
                                } catch PostgresStoreError.commitOutcomeUnknown(let reason) {
                                    print("poolstall: a read after the terminations got no answer: \(reason); read again")
                                    _ = try await store.recentAudit(limit: 5)
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    return true
                }
            }
        } catch {
            await killer.close()
            await store.close()
            throw error
        }
        await killer.close()
        await store.close()
    }

    /// Every connection held (here by a transaction that waits): a call fails with
    /// `connectionWaitExpired` after the limit, and the store works again once the holder ends
    /// (the expired wait left nothing leased behind).
    @Test func aCallThatGetsNoConnectionFailsAfterTheWaitLimit() async throws {
        let database = try await PostgresTestServer.shared.freshDatabase()
        let store = try await Self.open(database, connections: 1, waitLimit: .seconds(2))
        let (held, holding) = AsyncStream<Void>.makeStream()
        let (release, releasing) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await store.transaction { _ in
                holding.yield()
                for await _ in release {}
                return true
            }
        }
        do {
            _ = try await PostgresCommitOutcomeTests.within(60, "the holder leasing the only connection") {
                for await _ in held { break }
                return true
            }
            let outcome = try await PostgresCommitOutcomeTests.within(60, "the call waiting for a connection") {
                do {
                    _ = try await store.recentAudit(limit: 1)
                    return "answered"
                } catch let error as PostgresStoreError {
                    return "\(error)"
                }
            }
            #expect(outcome == "\(PostgresStoreError.connectionWaitExpired(seconds: 2))")
            releasing.finish()
            _ = try await PostgresCommitOutcomeTests.within(60, "the holder ending") { try await holder.value }
            _ = try await PostgresCommitOutcomeTests.within(60, "a call after the holder ended") {
                try await store.recentAudit(limit: 1)
            }
        } catch {
            releasing.finish()
            await store.close()
            throw error
        }
        await store.close()
    }
}
