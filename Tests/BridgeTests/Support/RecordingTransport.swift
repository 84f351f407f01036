import Bridge

/// An in-process chat transport that keeps what it was asked to send: the bridge's real
/// counterpart in tests, in the way the demo console is in the demo.
actor RecordingTransport: ChatTransport {
    struct Unavailable: Error {}

    private(set) var sent: [OutgoingChat] = []
    private var joined: Set<String> = []
    private var allChannelsJoined: Bool
    var isDown = false
    private var waiters: [Int: (condition: @Sendable ([OutgoingChat]) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = [:]
    private var nextWaiter = 0

    init(joinedToAllChannels: Bool = true) {
        allChannelsJoined = joinedToAllChannels
    }

    func send(_ line: OutgoingChat) async throws {
        if isDown { throw Unavailable() }
        sent.append(line)
        for (id, waiter) in waiters where waiter.condition(sent) {
            waiters[id] = nil
            waiter.continuation.resume(returning: true)
        }
    }

    func isJoined(network: String, channel: String) async -> Bool {
        allChannelsJoined || joined.contains("\(network) \(channel.lowercased())")
    }

    func join(network: String, channel: String) { joined.insert("\(network) \(channel.lowercased())") }
    func part(network: String, channel: String) {
        allChannelsJoined = false
        joined.remove("\(network) \(channel.lowercased())")
    }
    func setDown(_ down: Bool) { isDown = down }
    var texts: [String] { sent.map(\.text) }

    /// Suspends until what was sent satisfies `condition` (at once if it already does).
    /// `deadline` only ends a broken run: false means it was never satisfied.
    @discardableResult
    func waitUntil(deadline: Duration = .seconds(30), _ condition: @escaping @Sendable ([OutgoingChat]) -> Bool) async -> Bool {
        if condition(sent) { return true }
        let id = nextWaiter
        nextWaiter += 1
        let timer = Task { [weak self] in
            try await Task.sleep(for: deadline)
            await self?.expire(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { waiters[id] = (condition, $0) }
    }

    private func expire(_ id: Int) {
        waiters.removeValue(forKey: id)?.continuation.resume(returning: false)
    }
}
