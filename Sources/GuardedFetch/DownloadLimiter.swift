/// Bounds what downloads may take at once: at most `maxConcurrent` running, and their
/// reservations (each reserves the most it may hold, its size cap) within `budgetBytes`, so
/// a burst of `!blend` commands cannot take the process's memory. Others wait in order, each
/// until its own deadline. Shared by every fetcher of a process.
public actor DownloadLimiter {
    public nonisolated let maxConcurrent: Int
    public nonisolated let budgetBytes: Int

    private var running = 0
    private var reserved = 0
    private var nextID: UInt64 = 0
    private var waiters: [Waiter] = []

    private struct Waiter {
        let id: UInt64
        let bytes: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    /// A running download's hold on the limiter; give it back with `release`.
    public struct Permit: Sendable, Hashable {
        let id: UInt64
        public let bytes: Int
    }

    public init(maxConcurrent: Int = 2, budgetBytes: Int = 40_000_000) {
        precondition(maxConcurrent > 0 && budgetBytes > 0, "a limiter must admit something")
        self.maxConcurrent = maxConcurrent
        self.budgetBytes = budgetBytes
    }

    public struct Usage: Hashable, Sendable {
        public var running: Int
        public var reservedBytes: Int
        public var waiting: Int

        public init(running: Int, reservedBytes: Int, waiting: Int) {
            self.running = running
            self.reservedBytes = reservedBytes
            self.waiting = waiting
        }
    }

    /// Downloads running and bytes reserved now, and how many wait (for tests and `!stats`).
    public var usage: Usage { Usage(running: running, reservedBytes: reserved, waiting: waiters.count) }

    /// Waits until a download reserving `bytes` (at most the whole budget) may start; nil when
    /// `deadline` passes first or the task is cancelled.
    public func acquire(bytes: Int, deadline: ContinuousClock.Instant) async -> Permit? {
        let bytes = min(max(bytes, 0), budgetBytes)
        let id = nextID
        nextID += 1
        // First come, first served: nobody overtakes a waiter, or a large download could starve.
        if waiters.isEmpty, fits(bytes) {
            admit(bytes)
            return Permit(id: id, bytes: bytes)
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            await self?.expire(id)
        }
        let admitted = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters.append(Waiter(id: id, bytes: bytes, continuation: continuation))
            }
        } onCancel: {
            Task { [weak self] in await self?.expire(id) }
        }
        timer.cancel()
        return admitted ? Permit(id: id, bytes: bytes) : nil
    }

    public func release(_ permit: Permit) {
        running -= 1
        reserved -= permit.bytes
        admitWaiters()
    }

    private func admitWaiters() {
        while let first = waiters.first, fits(first.bytes) {
            waiters.removeFirst()
            admit(first.bytes)
            first.continuation.resume(returning: true)
        }
    }

    private func fits(_ bytes: Int) -> Bool { running < maxConcurrent && reserved + bytes <= budgetBytes }

    private func admit(_ bytes: Int) {
        running += 1
        reserved += bytes
    }

    /// A waiter whose deadline passed (or whose task was cancelled) leaves the queue unadmitted.
    private func expire(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: false)
        // The head may have been what held the others back.
        admitWaiters()
    }
}
