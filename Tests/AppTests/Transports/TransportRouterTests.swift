import App
import Bridge
import IRC
import IRCClient
import Logging
import Testing

/// `TransportRouter` must forward every `ChatTransport` requirement: one it misses silently takes
/// the protocol's default (no channels wanted, no standing known) — that is how invitations
/// came to be refused on IRC once the router sat between the bridge and the IRC transport.
@Suite struct TransportRouterTests {
    @Test func channelQuestionsReachTheIRCTransport() async throws {
        var configuration = IRCConnectionConfiguration(
            name: "net", host: "127.0.0.1", port: 6697, nick: "bot", username: "mjbridge", realname: "mjbridge test")
        configuration.channels = [.init("#one"), .init("#two")]
        // Never started: the desired channels are known from the configuration alone.
        let client = IRCConnection(configuration: configuration)
        let irc = IRCTransport(clients: [client], logger: Logger(label: "test"))
        let router = TransportRouter(irc: irc, matrix: MatrixTransport(accounts: []))
        #expect(await irc.wantedChannelCount(network: "net") == 2)
        #expect(await router.wantedChannelCount(network: "net") == 2)
        #expect(await router.channelStatus(network: "net", channel: "#one") == .waiting)
        #expect(await router.channelStatus(network: "net", channel: "#three") == .notWanted)
    }

    /// `!join`/`!part` ask the transport what a channel name stands for: an IRC name is itself,
    /// a Matrix alias is its room id, asked of that account (the router must not answer itself).
    @Test func canonicalChannelReachesEachTransport() async throws {
        try await MatrixAccountRig.with(aliases: ["#art:example.org": "!art:example.org"]) { rig in
            let irc = IRCTransport(clients: [IRCConnection(configuration: IRCConnectionConfiguration(
                name: "net", host: "127.0.0.1", port: 6697, nick: "bot", username: "mjbridge", realname: "mjbridge test"))],
                logger: Logger(label: "test"))
            let router = TransportRouter(irc: irc, matrix: MatrixTransport(accounts: [rig.account]))
            #expect(await router.canonicalChannel(network: "net", channel: "#Art") == "#Art")
            #expect(await router.canonicalChannel(network: "hs", channel: "#art:example.org") == "!art:example.org")
            #expect(await router.canonicalChannel(network: "hs", channel: "!art:example.org") == "!art:example.org")
        }
    }
}
