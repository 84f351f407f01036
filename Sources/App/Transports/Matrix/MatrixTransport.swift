import Bridge
import Logging

/// The bridge's `ChatTransport` over the `[[matrix]]` accounts, keyed by account name (the
/// bridge's network name), and the loops that feed what they hear to the bridge.
public struct MatrixTransport: ChatTransport {
    public let accounts: [String: MatrixAccount]

    public init(accounts: [MatrixAccount]) {
        var byName: [String: MatrixAccount] = [:]
        for account in accounts { byName[account.settings.name] = account }
        self.accounts = byName
    }

    public func send(_ line: OutgoingChat) async throws {
        guard let account = accounts[line.network] else { throw MatrixTransportError.unknownAccount(line.network) }
        try await account.send(line)
    }

    public func deliver(_ line: OutgoingChat, from offset: Int) async -> DeliveryReport {
        guard let account = accounts[line.network] else {
            return .refused(DeliveryRefusal(.unknownNetwork, reason: MatrixTransportError.unknownAccount(line.network).description),
                            confirmedOffset: offset)
        }
        return await account.deliver(line, from: offset)
    }

    public func channelStatus(network: String, channel: String) async -> ChannelStatus {
        guard let account = accounts[network] else { return .notWanted }
        return await account.channelStatus(channel)
    }

    public func isJoined(network: String, channel: String) async -> Bool {
        guard let account = accounts[network] else { return false }
        return await account.isJoined(channel)
    }

    public func join(network: String, channel: String, key: String?) async throws {
        guard let account = accounts[network] else { throw MatrixTransportError.unknownAccount(network) }
        try await account.join(channel)
    }

    public func part(network: String, channel: String, reason: String?) async throws {
        guard let account = accounts[network] else { throw MatrixTransportError.unknownAccount(network) }
        try await account.part(channel)
    }

    public func canonicalChannel(network: String, channel: String) async -> String {
        guard let account = accounts[network] else { return channel }
        return await account.canonicalRoom(channel)
    }

    /// The homeserver authenticated every sender: events arrive verified, nothing to look up.
    public func lookUpAccount(network: String, nick: String) async -> AccountLookup { .unavailable }

    /// Runs every account's sync loop until cancelled (a stopped account ends alone).
    public func run(into bridge: ChatBridge) async {
        await withTaskGroup(of: Void.self) { group in
            for account in accounts.values {
                group.addTask { await account.run(into: bridge) }
            }
        }
    }
}
