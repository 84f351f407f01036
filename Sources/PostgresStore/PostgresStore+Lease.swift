import Foundation
import PostgresNIO
import Synchronization

extension PostgresStore {
    /// `body` on a connection of the pool, or `connectionWaitExpired` when none is leased within
    /// `connectionWaitLimit`. PostgresNIO's pool has no limit of its own on that wait, and was
    /// seen to leave a request waiting for good after a connection was cut (NOTES-README-
    /// poolstall.md): a store call must fail, never hang the bot.
    ///
    /// Only the wait for the lease is limited: once `body` has started it runs to its end (a
    /// statement is bounded by the server's `statement_timeout`), since abandoning it could
    /// leave a COMMIT's outcome unknown. The deadline and the start race through `LeaseRace`:
    /// `body` never starts after the caller was told nothing was done.
    func withLease<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let limit = configuration.connectionWaitLimit
        let answerLimit = configuration.connectionAnswerLimit
        let race = LeaseRace<T>()
        let client = self.client
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.state.withLock { $0.continuation = continuation }
                let work = Task {
                    let result: Result<T, any Error>
                    do {
                        result = .success(try await client.withConnection { connection in
                            guard race.start(connection) else { throw CancellationError() }
                            return try await body(connection)
                        })
                    } catch {
                        result = .failure(error)
                    }
                    race.finish(result)
                }
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    if Task.isCancelled { return }  // the work ended, or the caller was cancelled
                    // Still waiting for a connection: the caller is answered now; the lease
                    // request is cancelled (the pool drops it from its queue) and, should a
                    // connection come anyway, `body` does not run on it.
                    if race.expire(seconds: Int(limit.components.seconds)) {
                        work.cancel()
                        return
                    }
                    // Leased: the work gets `answerLimit` to end before its connection counts
                    // as stuck (the caller told, the connection closed so the pool drops it).
                    try? await Task.sleep(for: answerLimit)
                    if Task.isCancelled { return }
                    if let stuck = race.stall(seconds: Int(answerLimit.components.seconds)) {
                        try? await stuck.close()
                    }
                }
                race.state.withLock { $0.tasks = (work, timer) }
            }
        } onCancel: {
            race.cancel()
        }
    }
}

/// Who answers a `withLease` caller first: the work (leased and ran, or failed) or the deadline
/// (no lease yet). Once `body` has started, the deadline has no say.
final class LeaseRace<T: Sendable>: Sendable {
    struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var started = false
        var connection: PostgresConnection?
        var expired = false
        var tasks: (work: Task<Void, Never>, timer: Task<Void, Never>)?
    }

    let state = Mutex(State())

    /// The lease came: true if `body` may run (the deadline has not answered the caller).
    func start(_ connection: PostgresConnection) -> Bool {
        state.withLock { state in
            guard !state.expired else { return false }
            state.started = true
            state.connection = connection
            return true
        }
    }

    /// The work ended (or its lease request failed): its result goes to the caller, unless the
    /// deadline already answered.
    func finish(_ result: Result<T, any Error>) {
        let (continuation, timer) = state.withLock { state in
            let taken = state.continuation
            state.continuation = nil
            return (taken, state.tasks?.timer)
        }
        timer?.cancel()
        continuation?.resume(with: result)
    }

    /// The deadline passed: true (and the caller answered) if no lease was made yet.
    func expire(seconds: Int) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard !state.started, let taken = state.continuation else { return nil }
            state.expired = true
            state.continuation = nil
            return taken
        }
        continuation?.resume(throwing: PostgresStoreError.connectionWaitExpired(seconds: seconds))
        return continuation != nil
    }

    /// The work had its connection for the whole answer limit and has not ended: the caller is
    /// told its outcome is unknown; the connection (to close) returned.
    func stall(seconds: Int) -> PostgresConnection? {
        let (continuation, connection) = state.withLock { state in
            let taken = state.continuation
            state.continuation = nil
            return (taken, state.connection)
        }
        guard let continuation else { return nil }
        continuation.resume(throwing: PostgresStoreError.commitOutcomeUnknown(
            reason: "no answer within \(seconds) s on a connection that seems stuck (closed)"))
        return connection
    }

    /// The caller's task was cancelled: the work is cancelled as `withConnection` would be.
    func cancel() {
        let tasks = state.withLock { $0.tasks }
        tasks?.work.cancel()
        tasks?.timer.cancel()
    }
}
