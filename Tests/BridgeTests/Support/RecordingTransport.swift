import Bridge
import IRC

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
    /// What `channelStanding` answers, by `#channel nick` (lower case); nil for others.
    private var standings: [String: ChannelMembers.Standing] = [:]
    /// `channelStanding` questions as `#channel nick`, in order.
    private(set) var standingQuestions: [String] = []
    /// When set, a `wantedChannelCount` caller waits (up to this long) for a second one before
    /// its answer arrives, so two callers that may run side by side do.
    private var pairsCountCallers: Duration?
    private var countWaiter: CheckedContinuation<Void, Never>?
    private var unjoinedAreNotWanted = false
    private var waiters: [Int: (condition: @Sendable ([OutgoingChat]) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = [:]
    private var nextWaiter = 0

    init(joinedToAllChannels: Bool = true) {
        allChannelsJoined = joinedToAllChannels
    }

    /// Run after each line is recorded (a test acting at that exact moment).
    private var afterSend: (@Sendable (OutgoingChat) async -> Void)?

    func setAfterSend(_ hook: (@Sendable (OutgoingChat) async -> Void)?) {
        afterSend = hook
    }

    func send(_ line: OutgoingChat) async throws {
        if isDown { throw Unavailable() }
        sent.append(line)
        await afterSend?(line)
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
    func setStanding(_ standing: ChannelMembers.Standing, of nick: String, in channel: String) {
        standings["\(channel.lowercased()) \(nick.lowercased())"] = standing
    }
    func pairCountCallers(within window: Duration?) { pairsCountCallers = window }
    /// Channels not joined count as not wanted (as the IRC transport answers for a channel
    /// nobody asked for), instead of the protocol default "waiting".
    func reportUnjoinedAsNotWanted() { unjoinedAreNotWanted = true }

    func channelStatus(network: String, channel: String) async -> ChannelStatus {
        if await isJoined(network: network, channel: channel) { return .joined }
        return unjoinedAreNotWanted ? .notWanted : .waiting
    }

    func channelStanding(network: String, channel: String, nick: String) async -> ChannelMembers.Standing? {
        let key = "\(channel.lowercased()) \(nick.lowercased())"
        standingQuestions.append(key)
        return standings[key]
    }

    private func releaseCountWaiter() {
        countWaiter?.resume()
        countWaiter = nil
    }

    /// The channels joined on `network` (when not "joined to all"), counted when asked.
    func wantedChannelCount(network: String) async -> Int {
        let count = joined.filter { $0.hasPrefix("\(network) ") }.count
        if let window = pairsCountCallers {
            // The answer is on its way back while a second caller may ask.
            if let other = countWaiter {
                countWaiter = nil
                other.resume()
            } else {
                await withCheckedContinuation { continuation in
                    countWaiter = continuation
                    Task { [weak self] in
                        try? await Task.sleep(for: window)
                        await self?.releaseCountWaiter()
                    }
                }
            }
        }
        return count
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
