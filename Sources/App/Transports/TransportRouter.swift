import Bridge
import IRC

/// One `ChatTransport` for the bridge over IRC and Matrix: each line goes to the transport
/// that has its network (names are unique across `[[networks]]` and `[[matrix]]`).
public struct TransportRouter: ChatTransport {
    public let irc: IRCTransport
    public let matrix: MatrixTransport

    public init(irc: IRCTransport, matrix: MatrixTransport) {
        self.irc = irc
        self.matrix = matrix
    }

    private func transport(for network: String) -> any ChatTransport {
        matrix.accounts[network] != nil ? matrix : irc
    }

    public func send(_ line: OutgoingChat) async throws {
        try await transport(for: line.network).send(line)
    }

    public func deliver(_ line: OutgoingChat, from offset: Int) async -> DeliveryReport {
        await transport(for: line.network).deliver(line, from: offset)
    }

    public func channelStatus(network: String, channel: String) async -> ChannelStatus {
        await transport(for: network).channelStatus(network: network, channel: channel)
    }

    public func isJoined(network: String, channel: String) async -> Bool {
        await transport(for: network).isJoined(network: network, channel: channel)
    }

    public func join(network: String, channel: String, key: String?) async throws {
        try await transport(for: network).join(network: network, channel: channel, key: key)
    }

    public func part(network: String, channel: String, reason: String?) async throws {
        try await transport(for: network).part(network: network, channel: channel, reason: reason)
    }

    public func lookUpAccount(network: String, nick: String) async -> AccountLookup {
        await transport(for: network).lookUpAccount(network: network, nick: nick)
    }

    // Every requirement is forwarded, also those with a default implementation: a missing one
    // silently takes the default (no standing known, no channels wanted), and invitations on
    // IRC were refused that way.

    public func channelStanding(network: String, channel: String, nick: String) async -> ChannelMembers.Standing? {
        await transport(for: network).channelStanding(network: network, channel: channel, nick: nick)
    }

    public func wantedChannelCount(network: String) async -> Int {
        await transport(for: network).wantedChannelCount(network: network)
    }

    public func canonicalChannel(network: String, channel: String) async -> String {
        await transport(for: network).canonicalChannel(network: network, channel: channel)
    }
}
