import App
import Bridge
import Foundation
import IRC
import IRCClient
import Logging
import Testing
import TestnetSupport

/// `IRCTransport.lookUpAccount` against the real server (InspIRCd + Atheme): what the bridge
/// asks before an admin command from a sender whose account no capability vouched for.
@Suite(.serialized, .enabled(if: !Testnet.skipRequested, Testnet.skipReason), .testnet)
struct IRCTransportAccountTests {
    @Test func theTransportLooksAccountsUpOnTheNetwork() async throws {
        let net = try Testnet.require()
        var configuration = IRCConnectionConfiguration(
            name: "testnet", host: net.host, port: net.tlsPort, caFile: net.caFile, nick: uniqueName("lookbot"),
            username: "mjbridge", realname: "mjbridge test")
        configuration.capabilities = []
        let client = IRCConnection(configuration: configuration)
        let events = EventLog(client)
        await client.start()
        let transport = IRCTransport(clients: [client], logger: Logger(label: "test"))
        let peer = try await TestPeer.connect(to: net)
        do {
            _ = try await events.expect("registered") { if case .registered = $0 { true } else { false } }
            let nick = uniqueName("lk")
            try await peer.register(nick: nick)
            #expect(await transport.lookUpAccount(network: "testnet", nick: nick) == .loggedOut)
            try await peer.identify(account: net.userAccount, password: net.userPassword)
            #expect(await transport.lookUpAccount(network: "testnet", nick: nick) == .loggedIn(net.userAccount))
            #expect(await transport.lookUpAccount(network: "testnet", nick: uniqueName("gone")) == .unavailable)
            #expect(await transport.lookUpAccount(network: "elsewhere", nick: nick) == .unavailable)
        } catch {
            await peer.quit()
            await client.shutdown()
            throw error
        }
        await peer.quit()
        await client.shutdown()
    }
}
