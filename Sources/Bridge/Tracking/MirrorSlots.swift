/// At most `count` result mirrors download at once; the others wait their turn in order. A
/// burst of finished jobs (a restart with many results owed) must not open a hundred
/// downloads from the proxy's image host at the same moment.
actor MirrorSlots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(count: Int) {
        free = max(1, count)
    }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Mirrors parked here for a slot (tests wait on this instead of sleeping).
    var waitingCount: Int { waiting.count }

    /// Hands the slot to the longest waiter, else frees it.
    func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
