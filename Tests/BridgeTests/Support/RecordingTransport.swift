import Bridge

/// An in-process chat transport that keeps what it was asked to send: the bridge's real
/// counterpart in tests, in the way the demo console is in the demo.
actor RecordingTransport: ChatTransport {
    struct Unavailable: Error {}

    private(set) var sent: [OutgoingChat] = []
    private var joined: Set<String> = []
    private var allChannelsJoined: Bool
    /// Channels left through `part(network:channel:reason:)`, out even when all others are in.
    private var left: Set<String> = []
    /// `join`/`part` requests as `JOIN net #c key` / `PART net #c :reason`, in order.
    private(set) var channelRequests: [String] = []
    /// Set to make `join`/`part` fail like a transport without channels.
    var refusesChannels = false
    var isDown = false
    /// What `lookUpAccount` answers, by nick (lower case); others are `.unavailable`.
    private var accounts: [String: AccountLookup] = [:]
    /// Nicks looked up, in order.
    private(set) var lookups: [String] = []
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
        let key = "\(network) \(channel.lowercased())"
        return !left.contains(key) && (allChannelsJoined || joined.contains(key))
    }

    func join(network: String, channel: String, key: String?) async throws {
        if refusesChannels { throw ChatTransportError.channelsNotSupported }
        channelRequests.append("JOIN \(network) \(channel)" + (key.map { " \($0)" } ?? ""))
        join(network: network, channel: channel)
    }

    func part(network: String, channel: String, reason: String?) async throws {
        if refusesChannels { throw ChatTransportError.channelsNotSupported }
        channelRequests.append("PART \(network) \(channel)" + (reason.map { " :\($0)" } ?? ""))
        let key = "\(network) \(channel.lowercased())"
        joined.remove(key)
        left.insert(key)
    }

    func lookUpAccount(network: String, nick: String) async -> AccountLookup {
        lookups.append(nick)
        return accounts[nick.lowercased()] ?? .unavailable
    }

    /// What the network would say `nick` is logged in as.
    func setAccount(_ lookup: AccountLookup, of nick: String) {
        accounts[nick.lowercased()] = lookup
    }

    /// The server confirmed a JOIN (or the test says the bot is in the channel).
    func join(network: String, channel: String) {
        let key = "\(network) \(channel.lowercased())"
        joined.insert(key)
        left.remove(key)
    }
    func part(network: String, channel: String) {
        allChannelsJoined = false
        joined.remove("\(network) \(channel.lowercased())")
    }
    /// The bot is in these channels of `network` and no others.
    func setJoined(only channels: [String], network: String) {
        allChannelsJoined = false
        left = []
        joined = Set(channels.map { "\(network) \($0.lowercased())" })
    }
    func setDown(_ down: Bool) { isDown = down }
    func setRefusesChannels(_ refuses: Bool) { refusesChannels = refuses }
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
