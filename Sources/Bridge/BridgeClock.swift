import Foundation

/// Where the bridge gets the time and how it waits; injected so tests are exact.
public struct BridgeClock: Sendable {
    public var now: @Sendable () -> Date
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    public static let system = BridgeClock(now: { Date() }, sleep: { try await Task.sleep(for: $0) })
}
