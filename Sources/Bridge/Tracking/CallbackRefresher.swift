import Foundation

/// Turns callbacks into questions to the proxy. Each callback only adds its task id to a
/// pending set and returns; the first id starts a window (`window`, e.g. 300 ms), after which
/// every id hinted so far goes to the proxy in one batched `list-by-condition` through the
/// tracker, which applies what the proxy answers. Ids hinted while a question is in flight
/// wait for the next window. A fixed window from the first hint, not a sliding one, so a
/// steady stream of callbacks cannot postpone the question forever.
actor CallbackRefresher {
    private let tracker: TaskTracker
    private let window: Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private let maxPending: Int
    /// In hint order, so a capped batch asks about the oldest first.
    private var pending: [String] = []
    private var pendingSet: Set<String> = []
    private var worker: Task<Void, Never>?
    private var settledWaiters: [CheckedContinuation<Void, Never>] = []

    init(tracker: TaskTracker, window: Duration, maxPending: Int,
         sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.tracker = tracker
        self.window = window
        self.maxPending = max(1, maxPending)
        self.sleep = sleep
    }

    /// Adds `id` to the next question. False when the pending set is full (the id is dropped).
    func hint(_ id: String) -> Bool {
        if pendingSet.contains(id) { return true }
        guard pending.count < maxPending else { return false }
        pending.append(id)
        pendingSet.insert(id)
        if worker == nil {
            worker = Task { await self.work() }
        }
        return true
    }

    /// Returns once no hint is waiting and no question is in flight (for tests and shutdown).
    func settled() async {
        if worker == nil { return }
        await withCheckedContinuation { settledWaiters.append($0) }
    }

    private func work() async {
        while !pending.isEmpty {
            // Cancellation or a clock error only shortens the window.
            try? await sleep(window)
            let ids = pending
            pending = []
            pendingSet = []
            await tracker.refresh(ids: ids)
        }
        worker = nil
        let waiters = settledWaiters
        settledWaiters = []
        for waiter in waiters { waiter.resume() }
    }
}
