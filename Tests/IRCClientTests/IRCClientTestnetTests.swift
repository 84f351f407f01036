import Foundation
import IRC
import Testing
@testable import IRCClient
import TestnetSupport

/// Integration tests against the real networks of `Scripts/testnet/`: InspIRCd + Atheme, and
/// ngIRCd (no services). Tests that apply to any server take it as their argument and run on
/// both; those that need services (SASL, NickServ, account tracking) or IRCv3 only InspIRCd
/// has say so in their name and run there alone. Needs the Debian packages `inspircd`,
/// `atheme-services` and `ngircd`; set MJBRIDGE_SKIP_TESTNET=1 to skip.
@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: !Testnet.skipRequested, Testnet.bothSkipReason), .testnets(.inspircd, .ngircd))
struct IRCClientTestnetTests {
    /// Timings shrunk so reconnects and rejoins take moments, not minutes.
    func configuration(
        _ net: Testnet, nick: String, alternateNicks: [String] = [],
        sasl: SASLCredentials? = nil, saslRequired: Bool = false,
        channels: [IRCConnectionConfiguration.Channel] = [], caFile: String?? = .none
    ) -> IRCConnectionConfiguration {
        IRCConnectionConfiguration(
            name: "testnet", host: net.host, port: net.tlsPort,
            caFile: caFile ?? net.caFile,
            nick: nick, alternateNicks: alternateNicks, username: "mjbridge", realname: "mjbridge test",
            sasl: sasl, saslRequired: saslRequired, channels: channels,
            flood: .init(burst: 5, interval: .seconds(1)),
            ping: .init(idle: .seconds(30), timeout: .seconds(10)),
            reconnect: .init(minimum: .milliseconds(200), maximum: .seconds(2), resetAfter: .seconds(300)),
            rejoinDelay: .milliseconds(300),
            registrationTimeout: .seconds(20)
        )
    }

    func started(_ configuration: IRCConnectionConfiguration) async -> (IRCConnection, EventLog) {
        let client = IRCConnection(configuration: configuration, random: SeededGenerator(state: 11))
        let log = EventLog(client)
        await client.start()
        return (client, log)
    }

    @Test(arguments: TestnetServer.allCases)
    func tlsVerifiedAgainstTheTestCA(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let nick = uniqueName("tls")
        let (client, log) = await started(configuration(net, nick: nick))
        _ = try await log.expect("connected") { $0 == .connected }
        let registered = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        #expect(registered == .registered(nick: nick))
        #expect(await client.currentNick == nick)
        await client.shutdown()
        _ = try await log.expect("stopped") { $0 == .stopped }
    }

    @Test(arguments: TestnetServer.allCases)
    func tlsVerifiesTheHostNameToo(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        var config = configuration(net, nick: uniqueName("byname"))
        config.host = "localhost" // in the server certificate's names; sent as SNI and checked
        let (client, log) = await started(config)
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        await client.shutdown()
    }

    @Test(arguments: TestnetServer.allCases)
    func tlsRefusedWhenTheCAIsNotTrusted(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let (client, log) = await started(configuration(net, nick: uniqueName("untrust"), caFile: .some(nil)))
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(let reason, let retry) = event else { return }
        #expect(reason.hasPrefix("connection error: the TLS certificate of 127.0.0.1:\(net.tlsPort) could not be verified"), "reason: \(reason)")
        #expect(reason.contains("set ca_file"))
        #expect(retry != nil)
        #expect(!(await log.all).contains { if case .registered = $0 { true } else { false } })
        await client.shutdown()
    }

    /// The testnet server's certificate (next to the CA in the testnet's TLS folder) and its
    /// two digests as openssl prints them, by the commands README gives operators.
    func serverPins(_ net: Testnet) async throws -> (certificate: CertificatePin, publicKey: CertificatePin) {
        let certificate = URL(fileURLWithPath: net.caFile).deletingLastPathComponent().appendingPathComponent("server.pem").path
        let certificateLine = try await ScriptRunner.run(["-c", "openssl x509 -in '\(certificate)' -noout -fingerprint -sha256"])
        let keyLine = try await ScriptRunner.run(["-c",
            "openssl x509 -in '\(certificate)' -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256"])
        return (try CertificatePin(parsing: "sha256:" + #require(certificateLine.split(separator: "=").last)),
                try CertificatePin(parsing: "sha256:" + #require(keyLine.split(separator: "=").last)))
    }

    @Test(arguments: TestnetServer.allCases)
    func pinnedCertificateIsEnoughWithoutTheCA(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let pins = try await serverPins(net)
        var config = configuration(net, nick: uniqueName("pincert"), caFile: .some(nil))
        config.tlsFingerprints = [pins.certificate]
        let (client, log) = await started(config)
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        await client.shutdown()
    }

    @Test(arguments: TestnetServer.allCases)
    func pinnedPublicKeyAmongOtherPinsIsEnoughWithoutTheCA(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let pins = try await serverPins(net)
        var config = configuration(net, nick: uniqueName("pinkey"), caFile: .some(nil))
        config.tlsFingerprints = [CertificatePin(digest: Array(repeating: 7, count: 32)), pins.publicKey]
        let (client, log) = await started(config)
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        await client.shutdown()
    }

    @Test(arguments: TestnetServer.allCases)
    func wrongPinIsRefusedEvenWithATrustedCAAndNotRetried(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let pins = try await serverPins(net)
        let wrong = CertificatePin(digest: Array(repeating: 0xab, count: 32))
        // ca_file stays set: the chain would verify, the pin still decides.
        var config = configuration(net, nick: uniqueName("pinbad"))
        config.tlsFingerprints = [wrong]
        let (client, log) = await started(config)
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(let reason, let retry) = event else { return }
        #expect(reason.contains("matches no tls_fingerprint pin (expected \(wrong))"), "reason: \(reason)")
        #expect(reason.contains("certificate is \(pins.certificate)"), "reason: \(reason)")
        #expect(reason.contains("public key \(pins.publicKey)"), "reason: \(reason)")
        #expect(retry == nil, "a configuration matter: no reconnect loop")
        _ = try await log.expect("stopped") { $0 == .stopped }
        let events = await log.all
        #expect(!events.contains { if case .registered = $0 { true } else { false } })
        #expect(!events.contains { $0 == .connecting(attempt: 2) })
        await client.shutdown()
    }

    @Test func saslPlainLogsIn() async throws {
        let net = try Testnet.require()
        let (client, log) = await started(configuration(
            net, nick: uniqueName("plain"), sasl: .plain(account: net.botAccount, password: net.botPassword),
            saslRequired: true))
        _ = try await log.expect("logged in") { $0 == .loggedIn(account: net.botAccount) }
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        await client.shutdown()
    }

    @Test func saslWrongPasswordRequiredDisconnectsWithAClearReason() async throws {
        let net = try Testnet.require()
        let (client, log) = await started(configuration(
            net, nick: uniqueName("badpw"), sasl: .plain(account: net.botAccount, password: "wrong"),
            saslRequired: true))
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(let reason, let retry) = event else { return }
        #expect(reason.hasPrefix("SASL PLAIN login as '\(net.botAccount)' failed"), "reason: \(reason)")
        #expect(retry != nil, "sasl_required retries later")
        _ = try await log.expect("a later attempt") { $0 == .connecting(attempt: 2) }
        #expect(!(await log.all).contains { if case .registered = $0 { true } else { false } })
        await client.shutdown()
    }

    @Test func saslWrongPasswordOptionalContinuesUnauthenticated() async throws {
        let net = try Testnet.require()
        let (client, log) = await started(configuration(
            net, nick: uniqueName("optpw"), sasl: .plain(account: net.botAccount, password: "wrong"),
            saslRequired: false))
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        #expect(!(await log.all).contains { if case .loggedIn = $0 { true } else { false } })
        await client.shutdown()
    }

    @Test func saslExternalWithTheClientCertificate() async throws {
        let net = try Testnet.require()
        var config = configuration(net, nick: uniqueName("cert"), sasl: .external(), saslRequired: true)
        config.clientCertificate = net.clientCertificate
        config.clientKey = net.clientKey
        let (client, log) = await started(config)
        _ = try await log.expect("logged in via EXTERNAL") { $0 == .loggedIn(account: net.certAccount) }
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        await client.shutdown()
    }

    @Test func nickServIdentifyWhenSASLIsNotConfigured() async throws {
        let net = try Testnet.require()
        // IDENTIFY names the nick as the account, so the bot uses the account's own nick here.
        var config = configuration(net, nick: net.botAccount)
        config.nickservPassword = net.botPassword
        let (client, log) = await started(config)
        _ = try await log.expect("registered") { $0 == .registered(nick: net.botAccount) }
        _ = try await log.expect("logged in through NickServ") { $0 == .loggedIn(account: net.botAccount) }
        #expect(await client.account == net.botAccount)
        await client.shutdown()
    }

    @Test(arguments: TestnetServer.allCases)
    func nickInUseFallsBack(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let nick = uniqueName("taken")
        let peer = try await TestPeer.connect(to: net)
        try await peer.register(nick: nick)
        let (client, log) = await started(configuration(net, nick: nick))
        let registered = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        #expect(registered == .registered(nick: nick + "_"))
        await client.shutdown()
        await peer.quit()
    }

    @Test(arguments: TestnetServer.allCases)
    func joinsConfiguredChannelsWithKeys(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let open = "#" + uniqueName("open")
        let locked = "#" + uniqueName("key")
        let peer = try await TestPeer.connect(to: net)
        try await peer.register(nick: uniqueName("op"))
        await peer.send("JOIN \(locked)")
        _ = try await peer.expect("own JOIN") { $0.command == "JOIN" }
        await peer.send("MODE \(locked) +k sesame")
        _ = try await peer.expect("MODE +k") { $0.command == "MODE" }

        let nick = uniqueName("joiner")
        let (client, log) = await started(configuration(
            net, nick: nick, channels: [.init(open), .init(locked, key: "sesame")]))
        _ = try await log.expect("joined \(open)") { $0 == .joined(channel: open) }
        _ = try await log.expect("joined \(locked)") { $0 == .joined(channel: locked) }
        _ = try await peer.expect("bot joins \(locked)") { $0.command == "JOIN" && $0.source?.nick == nick }
        #expect(Set(await client.joinedChannels) == [open, locked])
        #expect(await client.isJoined(locked.uppercased()), "channel names compare under the case mapping")

        await client.part(open, reason: "done here")
        _ = try await log.expect("parted \(open)") { $0 == .parted(channel: open) }
        let stillInOpen = await client.isJoined(open)
        let stillInLocked = await client.isJoined(locked)
        #expect(!stillInOpen && stillInLocked)
        await client.shutdown()
        await peer.quit()
    }

    @Test(arguments: TestnetServer.allCases)
    func rejoinsAfterKick(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let channel = "#" + uniqueName("kick")
        let peer = try await TestPeer.connect(to: net)
        try await peer.register(nick: uniqueName("kicker"))
        await peer.send("JOIN \(channel)")
        _ = try await peer.expect("own JOIN") { $0.command == "JOIN" }

        let nick = uniqueName("kicked")
        let (client, log) = await started(configuration(net, nick: nick, channels: [.init(channel)]))
        _ = try await log.expect("joined") { $0 == .joined(channel: channel) }
        _ = try await peer.expect("bot JOIN") { $0.command == "JOIN" && $0.source?.nick == nick }
        await peer.send("KICK \(channel) \(nick) :out")
        _ = try await log.expect("kicked") { if case .kicked(channel, _, "out") = $0 { true } else { false } }
        _ = try await log.expect("joined again") { $0 == .joined(channel: channel) }
        _ = try await peer.expect("bot JOIN again") { $0.command == "JOIN" && $0.source?.nick == nick }
        // The rejoin timer removed itself when it fired.
        #expect(await client.runningTimerCount == 0)
        await client.shutdown()
        await peer.quit()
    }

    @Test(arguments: TestnetServer.allCases)
    func reconnectsAndRejoinsAfterServerRestart(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let channel = "#" + uniqueName("restart")
        let nick = uniqueName("phoenix")
        let (client, log) = await started(configuration(net, nick: nick, channels: [.init(channel)]))
        _ = try await log.expect("joined") { $0 == .joined(channel: channel) }

        try await net.restartServer()

        let dropped = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(_, let delay) = dropped else { return }
        #expect(delay != nil)
        _ = try await log.expect("registered again", timeout: .seconds(60)) { if case .registered = $0 { true } else { false } }
        _ = try await log.expect("rejoined") { $0 == .joined(channel: channel) }
        #expect(await client.isJoined(channel))
        let attempts = await log.all.compactMap { if case .connecting(let n) = $0 { n } else { nil } }
        #expect(attempts.count >= 2 && attempts == Array(1...attempts.count))
        await client.shutdown()
    }

    @Test(arguments: TestnetServer.allCases)
    func hungServerIsDetectedAndLeftForAWorkingOne(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let channel = "#" + uniqueName("hang")
        var config = configuration(net, nick: uniqueName("watch"), channels: [.init(channel)])
        // Wide enough that a working server under load always answers in time (InspIRCd
        // finishes registration on a one-second timer); short enough to keep the test quick.
        config.ping = .init(idle: .seconds(1), timeout: .seconds(5))
        config.registrationTimeout = .seconds(5)
        let (client, log) = await started(config)
        _ = try await log.expect("joined") { $0 == .joined(channel: channel) }

        try await net.pauseServer()
        do {
            let silent = try await log.expect("ping timeout") { if case .disconnected = $0 { true } else { false } }
            guard case .disconnected(let reason, let delay) = silent else { return }
            #expect(reason == "no answer to PING within 5.0 seconds" && delay != nil, "reason: \(reason)")
            // The next connection gets TCP (the kernel accepts) but never a TLS handshake.
            let stuck = try await log.expect("registration timeout") { if case .disconnected = $0 { true } else { false } }
            guard case .disconnected(let reason, _) = stuck else { return }
            #expect(reason == "registration timed out")
        } catch {
            try? await net.resumeServer()
            throw error
        }
        try await net.resumeServer()
        _ = try await log.expect("registered again", timeout: .seconds(60)) { if case .registered = $0 { true } else { false } }
        _ = try await log.expect("rejoined") { $0 == .joined(channel: channel) }
        await client.shutdown()
    }
}
