import Bridge
import Foundation
import Synchronization

/// Sleeps that end only when a test moves their time on (`advance(by:)`), or when cancelled.
/// Kept apart from `ManualClock` (whose sleeps return at once, for the poll loops): a test can
/// move the wall clock past a task's deadline without ending a mirror's wait, and the other way.
final class ManualTimers: Sendable {
    private struct Sleeper {
        var id: UInt64
        var until: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var elapsed: Duration = .zero
        var nextId: UInt64 = 0
        var sleepers: [Sleeper] = []
        /// Cancelled before their continuation was stored.
        var cancelled: Set<UInt64> = []
    }

    private let state = Mutex(State())

    /// Sleeps waiting now.
    var waiting: Int { state.withLock { $0.sleepers.count } }

    /// Moves time on; the sleeps that are due end.
    func advance(by duration: Duration) {
        let due = state.withLock { state -> [Sleeper] in
            state.elapsed += duration
            let now = state.elapsed
            let due = state.sleepers.filter { $0.until <= now }
            state.sleepers.removeAll { $0.until <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    func sleep(_ duration: Duration) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextId += 1
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: (any Error)?? = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return .some(CancellationError()) }
                    if duration <= .zero { return .some(nil) }
                    state.sleepers.append(Sleeper(id: id, until: state.elapsed + duration, continuation: continuation))
                    return .none
                }
                switch immediate {
                case .some(let error?): continuation.resume(throwing: error)
                case .some(nil): continuation.resume()
                case .none: break
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                if let index = state.sleepers.firstIndex(where: { $0.id == id }) { return state.sleepers.remove(at: index) }
                state.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// A bridge clock that tells `clock`'s time and sleeps on these timers.
    func bridgeClock(_ clock: ManualClock) -> BridgeClock {
        BridgeClock(now: { clock.now }, sleep: { [self] in try await sleep($0) })
    }
}
