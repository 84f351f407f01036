import TestnetSupport

/// The result of `operation`, or a failure once `limit` has passed: a wait that never ends is
/// a failed test, not a hung suite. (The operation keeps running; the test tears its client
/// down, which ends it.)
func within<T: Sendable>(_ limit: Duration, _ what: String, _ operation: @escaping @Sendable () async -> T) async throws -> T {
    let box = ResultBox<T>()
    Task { await box.set(await operation()) }
    let deadline = ContinuousClock.now.advanced(by: limit)
    while true {
        if let value = await box.value { return value }
        if ContinuousClock.now >= deadline { throw TestnetError("\(what) did not finish within \(limit)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

private actor ResultBox<T: Sendable> {
    var value: T?
    func set(_ value: T) { self.value = value }
}
