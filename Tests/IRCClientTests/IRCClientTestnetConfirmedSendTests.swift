import Foundation
import IRC
import Testing
@testable import IRCClient
import TestnetSupport

/// `deliver` against the real InspIRCd (ircv3_echomessage and ircv3_labeledresponse loaded) and
/// ngIRCd (neither: PING barrier): what the server confirms or refuses, and what another user
/// sees, counted line by line.
extension IRCClientTestnetTests {
    /// The same long reply in each confirmation mode (labels, echo only, PING barrier), the
    /// capabilities narrowed to force the latter two: confirmed, and seen exactly once.
    @Test(arguments: TestnetServer.allCases)
    func longReplyIsConfirmedPieceByPieceInEveryMode(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        // ngIRCd has neither labeled-response nor echo-message: whatever is asked for, the PING
        // barrier confirms (the fallback every server without IRCv3 gets).
        let modes: [(SendConfirmations<ContinuousClock.Instant>.Mode, [String])] = server == .ngircd ? [
            (.barrier, RegistrationConfiguration.defaultCapabilities),
        ] : [
            (.labeled, RegistrationConfiguration.defaultCapabilities),
            (.echo, RegistrationConfiguration.defaultCapabilities.filter { $0 != "labeled-response" }),
            (.barrier, RegistrationConfiguration.defaultCapabilities.filter { $0 != "labeled-response" && $0 != "echo-message" }),
        ]
        for (mode, capabilities) in modes {
            let channel = "#" + uniqueName("conf")
            let peer = try await TestPeer.connect(to: net)
            try await peer.register(nick: uniqueName("reader"))
            await peer.send("JOIN \(channel)")
            _ = try await peer.expect("own JOIN") { $0.command == "JOIN" }

            let nick = uniqueName("confbot")
            var config = configuration(net, nick: nick, channels: [.init(channel)])
            config.capabilities = capabilities
            let (client, log) = await started(config)
            _ = try await log.expect("joined") { $0 == .joined(channel: channel) }
            #expect(await client.confirmationMode == mode)

            let text = (0..<200).map { "\(mode)\($0)" }.joined(separator: " ") + " ✓"
            let report = try await within(.seconds(60), "deliver (\(mode))") { await client.deliver(.privmsg, to: channel, text: text) }
            #expect(report == .confirmed, "\(mode)")
            var received: [String] = []
            while server.reassembled(received).utf8.count < text.utf8.count {
                received.append(try await peer.expect("a piece (\(mode))") { $0.command == "PRIVMSG" && $0.source?.nick == nick }.params[1])
            }
            let said = server.reassembled(received)
            let pieces = received.count
            #expect(pieces >= 3, "\(mode)")
            #expect(said == text, "\(mode)")
            #expect(try await within(.seconds(60), "marker (\(mode))") { await client.deliver(.privmsg, to: channel, text: "end") } == .confirmed)
            _ = try await peer.expect("marker (\(mode))") { $0.command == "PRIVMSG" && $0.params.last == "end" }
            let fromBot = await peer.lines().filter { $0.hasPrefix(":\(nick)!") && $0.contains(" PRIVMSG ") }
            #expect(fromBot.count == pieces + 1, "\(mode): \(fromBot.count) lines from the bot for \(pieces) pieces")
            #expect(!(await log.all).contains { if case .message = $0 { true } else { false } }, "our echoes are not chat")
            await client.shutdown()
            await peer.quit()
        }
    }

    /// A +m channel answers 404: refused, nothing reaches the channel; voice is reported as a
    /// reason to try again, and then the line arrives once.
    @Test(arguments: TestnetServer.allCases)
    func moderatedChannelRefusesUntilVoiced(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let channel = "#" + uniqueName("modr")
        let peer = try await TestPeer.connect(to: net)
        try await peer.register(nick: uniqueName("chanop"))
        await peer.send("JOIN \(channel)")
        _ = try await peer.expect("own JOIN") { $0.command == "JOIN" }
        await peer.send("MODE \(channel) +m")
        _ = try await peer.expect("+m") { $0.command == "MODE" && $0.params.dropFirst().first == "+m" }

        let nick = uniqueName("modbot")
        let (client, log) = await started(configuration(net, nick: nick, channels: [.init(channel)]))
        _ = try await log.expect("joined") { $0 == .joined(channel: channel) }
        _ = try await log.expect("access on join") { $0 == .channelAccessChanged(channel: channel) }

        let text = (0..<150).map { "held\($0)" }.joined(separator: " ")
        let refused = try await within(.seconds(60), "deliver to +m") { await client.deliver(.privmsg, to: channel, text: text) }
        guard case .refused(let refusal, let offset) = refused else {
            Issue.record("not refused: \(refused)")
            return
        }
        #expect(refusal.kind == .cannotSend && refusal.code == "404" && offset == 0, "\(refusal)")

        await peer.send("MODE \(channel) +v \(nick)")
        _ = try await log.expect("access after voice") { $0 == .channelAccessChanged(channel: channel) }
        #expect(try await within(.seconds(60), "deliver voiced") { await client.deliver(.privmsg, to: channel, text: text, from: offset) } == .confirmed)
        var received: [String] = []
        while server.reassembled(received).utf8.count < text.utf8.count {
            received.append(try await peer.expect("a piece") { $0.command == "PRIVMSG" && $0.source?.nick == nick }.params[1])
        }
        let said = server.reassembled(received)
        let pieces = received.count
        #expect(pieces >= 2)
        #expect(try await within(.seconds(60), "marker") { await client.deliver(.privmsg, to: channel, text: "end") } == .confirmed)
        _ = try await peer.expect("marker") { $0.command == "PRIVMSG" && $0.params.last == "end" }
        // Nothing from the refused attempt reached the channel: every piece once, then the marker.
        let fromBot = await peer.lines().filter { $0.hasPrefix(":\(nick)!") && $0.contains(" PRIVMSG ") }
        // Known on ngIRCd: it reads a client's lines lazily (PENALTY, about one a second), so
        // the pieces written after the refused first one are still unread when `deliver`
        // reports `.refused` (at the 404 for the first piece); the test then gives voice, and
        // ngIRCd passes those later pieces on. The retry repeats them: the channel reads the
        // tail of the text, then all of it. A fix belongs in IRCConnection.deliver (report a
        // refusal only once the server has answered every piece already written).
        withKnownIssue("ngIRCd: pieces written after a refused one are read after +v and repeated by the retry",
                       isIntermittent: true) {
            #expect(said == text)
            #expect(fromBot.count == pieces + 1, "\(fromBot.count) lines from the bot for \(pieces) pieces")
        } when: {
            server == .ngircd
        }
        await client.shutdown()
        await peer.quit()
    }

    /// The server frozen (SIGSTOP) with a line due: the line is written into a connection
    /// nobody reads, no answer comes, and after the confirm timeout the client gives the
    /// connection up and reports nothing confirmed (not "sent"). After the server resumes and
    /// the client is back, the line is delivered again and reaches the channel once.
    @Test(arguments: TestnetServer.allCases)
    func frozenServerConfirmsNothingAndTheLineArrivesAfterResume(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let channel = "#" + uniqueName("frozen")
        let peer = try await TestPeer.connect(to: net)
        try await peer.register(nick: uniqueName("witness"))
        await peer.send("JOIN \(channel)")
        _ = try await peer.expect("own JOIN") { $0.command == "JOIN" }
        let nick = uniqueName("frzbot")
        var config = configuration(net, nick: nick, channels: [.init(channel)])
        // Far longer than a working server under load takes to echo (also just after it
        // resumes); shorter than the ping watchdog (30 s idle + 10 s), so the timeout seen is
        // the confirm timeout.
        config.confirmTimeout = .seconds(20)
        config.registrationTimeout = .seconds(5)
        let (client, log) = await started(config)
        _ = try await log.expect("joined") { $0 == .joined(channel: channel) }

        let text = "result due while the server is frozen"
        try await net.pauseServer()
        do {
            let report = try await within(.seconds(60), "deliver to a frozen server") { await client.deliver(.privmsg, to: channel, text: text) }
            #expect(report == .interrupted(confirmedOffset: 0))
            let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
            guard case .disconnected(let reason, _) = event else { return }
            #expect(reason.hasPrefix("no answer to a line we sent within"), "reason: \(reason)")
        } catch {
            try? await net.resumeServer()
            throw error
        }
        try await net.resumeServer()
        _ = try await log.expect("rejoined", timeout: .seconds(90)) { $0 == .joined(channel: channel) }
        #expect(try await within(.seconds(60), "deliver after resume") { await client.deliver(.privmsg, to: channel, text: text) } == .confirmed)
        #expect(try await within(.seconds(60), "marker") { await client.deliver(.privmsg, to: channel, text: "end") } == .confirmed)
        _ = try await peer.expect("marker", timeout: .seconds(60)) { $0.command == "PRIVMSG" && $0.params.last == "end" }
        let copies = await peer.lines().filter { $0.hasSuffix(" PRIVMSG \(channel) :\(text)") }.count
        // The server froze before the first copy was written and never read it; the client
        // gave the connection up with a TCP reset. Linux keeps what arrived before a reset
        // readable, so whether the resumed server says that first copy depends on the server:
        // InspIRCd usually handles the reset first and drops it, ngIRCd reads first and says it.
        // Either way the line arrives — at least once, at most the one duplicate the README
        // allows for a line written before the connection died; never lost, never more.
        #expect(copies == 1 || copies == 2, "\(copies) copies")
        print("IRCClientTestnet frozen/\(server): \(copies) cop\(copies == 1 ? "y" : "ies") of the line")
        await client.shutdown()
        await peer.quit()
    }
}
