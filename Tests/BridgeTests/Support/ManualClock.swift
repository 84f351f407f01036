import Bridge
import Foundation
import Synchronization

/// Time that moves only when a test says so.
final class ManualClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_748_339_029)) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    var bridgeClock: BridgeClock {
        BridgeClock(now: { [self] in now }, sleep: { _ in await Task.yield() })
    }
}
