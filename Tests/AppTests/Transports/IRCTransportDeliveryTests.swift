import App
import Bridge
import Foundation
import IRC
import IRCClient
import Logging
import Testing
import TestnetSupport

/// `IRCTransport.deliver` and `channelStatus` against the real servers (InspIRCd + Atheme, ngIRCd):
/// what the bridge's delivery worker is told for each kind of target.
@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: !Testnet.skipRequested, Testnet.bothSkipReason), .testnets(.inspircd, .ngircd))
struct IRCTransportDeliveryTests {
    @Test(arguments: TestnetServer.allCases)
    func deliveryReportsAndChannelStatusFollowTheServer(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let open = "#" + uniqueName("open")
        let closed = "#" + uniqueName("inv")
        let peer = try await TestPeer.connect(to: net)
        let peerNick = uniqueName("host")
        try await peer.register(nick: peerNick)
        // An invite-only channel the bot wants but cannot get into.
        await peer.send("JOIN \(closed)")
        _ = try await peer.expect("own JOIN") { $0.command == "JOIN" }
        await peer.send("MODE \(closed) +i")
        _ = try await peer.expect("+i") { $0.command == "MODE" }

        let nick = uniqueName("delbot")
        let configuration = IRCConnectionConfiguration(
            name: "testnet", host: net.host, port: net.tlsPort, caFile: net.caFile, nick: nick,
            username: "mjbridge", realname: "mjbridge test", channels: [.init(open), .init(closed)],
            rejoinDelay: .seconds(30))
        let client = IRCConnection(configuration: configuration)
        let events = EventLog(client)
        await client.start()
        let transport = IRCTransport(clients: [client], logger: Logger(label: "test"))
        do {
            _ = try await events.expect("joined") { $0 == .joined(channel: open) }
            #expect(await transport.channelStatus(network: "testnet", channel: open) == .joined)
            #expect(await transport.channelStatus(network: "testnet", channel: closed) == .waiting)
            #expect(await transport.channelStatus(network: "testnet", channel: "#" + uniqueName("other")) == .notWanted)
            #expect(await transport.channelStatus(network: "testnet", channel: peerNick) == .joined)
            #expect(await transport.channelStatus(network: "elsewhere", channel: open) == .notWanted)

            await peer.send("JOIN \(open)")
            _ = try await peer.expect("JOIN open") { $0.command == "JOIN" && $0.params.first == open }
            let line = OutgoingChat(network: "testnet", target: open, text: "skip this part: the result")
            #expect(await transport.deliver(line, from: 16) == .confirmed)
            let said = try await peer.expect("the result") { $0.command == "PRIVMSG" && $0.source?.nick == nick }
            #expect(said.params == [open, "the result"])
            #expect(await transport.deliver(OutgoingChat(network: "testnet", target: peerNick, text: "hi", style: .notice), from: 0) == .confirmed)
            _ = try await peer.expect("the notice") { $0.command == "NOTICE" && $0.source?.nick == nick }

            guard case .refused(let gone, 0) = await transport.deliver(OutgoingChat(network: "testnet", target: uniqueName("nobody"), text: "hi"), from: 0) else {
                Issue.record("a missing nick was not refused")
                return
            }
            #expect(gone.kind == .noSuchTarget && gone.reason.contains("401"), "\(gone)")
            guard case .refused(let invalid, 0) = await transport.deliver(OutgoingChat(network: "testnet", target: "#a b", text: "x"), from: 0),
                  case .refused(let unknown, 3) = await transport.deliver(OutgoingChat(network: "elsewhere", target: open, text: "hello"), from: 3)
            else {
                Issue.record("an invalid target or an unknown network was not refused")
                return
            }
            #expect(invalid.kind == .invalidTarget && invalid.isPermanent)
            #expect(unknown.kind == .unknownNetwork && unknown.isPermanent)

            try await transport.part(network: "testnet", channel: open, reason: nil)
            _ = try await events.expect("parted") { $0 == .parted(channel: open) }
            #expect(await transport.channelStatus(network: "testnet", channel: open) == .notWanted)
        } catch {
            await peer.quit()
            await client.shutdown()
            throw error
        }
        await peer.quit()
        await client.shutdown()
    }
}
