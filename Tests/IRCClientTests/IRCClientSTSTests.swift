import Foundation
import IRC
import Testing
@testable import IRCClient
import TestnetSupport

/// STS policies kept in memory, as the App keeps them in its database (the SQLite-backed
/// store and a restart are tested in AppTests' `STSPersistenceTests`).
actor MemorySTSPolicies: STSPolicyStore {
    private(set) var policies: [String: StoredSTSPolicy] = [:]

    init(_ policies: [StoredSTSPolicy] = []) {
        for policy in policies { self.policies[policy.host] = policy }
    }

    func stsPolicy(host: String) async throws -> StoredSTSPolicy? { policies[host] }
    func rememberSTSPolicy(_ policy: StoredSTSPolicy) async throws { policies[policy.host] = policy }
    func forgetSTSPolicy(host: String) async throws { policies[host] = nil }
}

/// A policy store whose database cannot be read (locked, corrupt, gone).
struct UnreadableSTSPolicies: STSPolicyStore {
    struct ReadFailed: Error {}
    func stsPolicy(host: String) async throws -> StoredSTSPolicy? { throw ReadFailed() }
    func rememberSTSPolicy(_ policy: StoredSTSPolicy) async throws {}
    func forgetSTSPolicy(host: String) async throws {}
}

/// IRCv3 STS against two scripted servers on loopback: a plain-text one that advertises
/// `sts=port=N`, and a TLS one on N (self-signed, trusted by its `tls_fingerprint` pin, which
/// counts as verified). Runs without InspIRCd.
@Suite struct IRCClientSTSTests {
    static let seenAt = Date(timeIntervalSince1970: 1_800_000_000)

    func configuration(plainPort: Int, pin: CertificatePin) -> IRCConnectionConfiguration {
        var configuration = IRCConnectionConfiguration(
            name: "sts", host: "127.0.0.1", port: plainPort, tls: false, nick: "bot", username: "u",
            reconnect: .init(minimum: .milliseconds(100), maximum: .seconds(1), resetAfter: .seconds(300)),
            registrationTimeout: .seconds(10))
        configuration.tlsFingerprints = [pin]
        return configuration
    }

    @Test func plainServerAdvertisingSTSIsLeftForTLSAndNeverUsedAgain() async throws {
        let certificate = try await IRCClientPinnedTLSTests().expiredCertificate()
        defer { try? FileManager.default.removeItem(atPath: certificate.directory) }
        let plain = try await ScriptedIRCServer.start()
        let secure = try await ScriptedIRCServer.start(tls: certificate.context)
        let store = MemorySTSPolicies()
        let client = IRCConnection(configuration: configuration(plainPort: plain.port, pin: certificate.certificatePin),
                                   random: SeededGenerator(state: 3), stsPolicies: store, wallClock: { Self.seenAt })
        let log = EventLog(client)
        await client.start()

        let first = try await plain.connection(1)
        _ = try await first.expect("CAP LS") { $0.command == "CAP" && $0.params.first == "LS" }
        await first.send(":srv CAP * LS :sts=port=\(secure.port),duration=30 server-time sasl")
        let quit = try await first.expect("QUIT") { $0.command == "QUIT" || $0.command == "CAP" }
        #expect(quit.command == "QUIT", "nothing is requested on the plain connection: \(quit.serialized())")
        let event = try await log.expect("the upgrade") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(let reason, let reconnectIn) = event else { return }
        #expect(reason.contains("STS") && reason.contains("port \(secure.port)"), "\(reason)")
        #expect(reconnectIn == .zero)
        #expect(await store.policies.isEmpty, "nothing is stored from a plain-text connection")

        let upgraded = try await secure.connection(1)
        try await upgraded.welcome("bot", mask: "bot!u@h", offering: ["sts=port=1,duration=300,preload", "server-time"])
        _ = try await log.expect("registered over TLS") { if case .registered = $0 { true } else { false } }
        await client.stsWritesSettled()
        let stored = await store.policies["127.0.0.1"]
        #expect(stored == StoredSTSPolicy(host: "127.0.0.1", port: secure.port, duration: 300,
                                          expiresAt: Self.seenAt.addingTimeInterval(300), preload: true))

        // The TLS server goes away: the client comes back to it, never to plain text.
        await upgraded.close()
        _ = try await secure.connection(2)
        #expect(await plain.connectionCount == 1)
        await client.shutdown()
        await plain.stop()
        await secure.stop()
    }

    /// Review finding 5: a policy that cannot be read must not mean plain text with the
    /// password — that is the stripping attack a stored policy is there to stop.
    @Test func unreadablePolicyKeepsCredentialsOffPlainText() async throws {
        let plain = try await ScriptedIRCServer.start()
        var withPassword = IRCConnectionConfiguration(
            name: "sts", host: "127.0.0.1", port: plain.port, tls: false, nick: "bot", username: "u",
            reconnect: .init(minimum: .milliseconds(100), maximum: .seconds(1), resetAfter: .seconds(300)),
            registrationTimeout: .seconds(10))
        withPassword.password = "server-secret"
        let client = IRCConnection(configuration: withPassword, random: SeededGenerator(state: 3),
                                   stsPolicies: UnreadableSTSPolicies(), wallClock: { Self.seenAt })
        let log = EventLog(client)
        await client.start()
        for attempt in 1...2 {
            let event = try await log.expect("skipped attempt \(attempt)") { if case .disconnected = $0 { true } else { false } }
            guard case .disconnected(let reason, let reconnectIn) = event else { return }
            #expect(reason.contains("STS") && reconnectIn != nil, "\(reason)")
        }
        #expect(await plain.connectionCount == 0, "nothing went to the plain-text port")
        await client.shutdown()

        // Nothing to protect: plain text as configured, the error only logged.
        var withoutPassword = withPassword
        withoutPassword.password = nil
        let open = IRCConnection(configuration: withoutPassword, random: SeededGenerator(state: 3),
                                 stsPolicies: UnreadableSTSPolicies(), wallClock: { Self.seenAt })
        let openLog = EventLog(open)
        await open.start()
        try await plain.connection(1).welcome("bot", mask: "bot!u@h")
        _ = try await openLog.expect("registered in plain text") { if case .registered = $0 { true } else { false } }
        await open.shutdown()
        await plain.stop()
    }

    @Test func storedPolicyMakesAPlainConfigConnectWithTLSUntilItExpires() async throws {
        let certificate = try await IRCClientPinnedTLSTests().expiredCertificate()
        defer { try? FileManager.default.removeItem(atPath: certificate.directory) }
        let plain = try await ScriptedIRCServer.start()
        let secure = try await ScriptedIRCServer.start(tls: certificate.context)
        let policy = StoredSTSPolicy(host: "127.0.0.1", port: secure.port, duration: 100, preload: false,
                                     seenAt: Self.seenAt.addingTimeInterval(-50))
        let store = MemorySTSPolicies([policy])
        let client = IRCConnection(configuration: configuration(plainPort: plain.port, pin: certificate.certificatePin),
                                   random: SeededGenerator(state: 3), stsPolicies: store, wallClock: { Self.seenAt })
        let log = EventLog(client)
        await client.start()
        let connection = try await secure.connection(1)
        // duration=0 over TLS: the server withdraws its policy.
        try await connection.welcome("bot", mask: "bot!u@h", offering: ["sts=duration=0", "server-time"])
        _ = try await log.expect("registered over TLS") { if case .registered = $0 { true } else { false } }
        await client.shutdown()
        #expect(await plain.connectionCount == 0)
        #expect(await store.policies.isEmpty)

        // Expired (or withdrawn): plain text as configured.
        let expiredStore = MemorySTSPolicies([StoredSTSPolicy(host: "127.0.0.1", port: secure.port, duration: 10, preload: false,
                                                              seenAt: Self.seenAt.addingTimeInterval(-50))])
        let later = IRCConnection(configuration: configuration(plainPort: plain.port, pin: certificate.certificatePin),
                                  random: SeededGenerator(state: 3), stsPolicies: expiredStore, wallClock: { Self.seenAt })
        let laterLog = EventLog(later)
        await later.start()
        let plainConnection = try await plain.connection(1)
        try await plainConnection.welcome("bot", mask: "bot!u@h")
        _ = try await laterLog.expect("registered in plain text") { if case .registered = $0 { true } else { false } }
        #expect(await secure.connectionCount == 1)
        await later.shutdown()
        await plain.stop()
        await secure.stop()
    }
}

/// `channelStanding`: NAMES asked on the control lane, 353/366 read, the inviter's standing
/// answered; nothing in time is nil. Scripted server, no InspIRCd.
@Suite struct IRCClientChannelStandingTests {
    @Test func namesAnswerTellsOperatorsMembersAndHiddenChannels() async throws {
        let server = try await ScriptedIRCServer.start()
        let client = IRCConnection(configuration: IRCConnectionConfiguration(
            name: "names", host: "127.0.0.1", port: server.port, tls: false, nick: "bot", username: "u",
            flood: .init(burst: 100, interval: .milliseconds(10)), registrationTimeout: .seconds(10)))
        let log = EventLog(client)
        await client.start()
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: "bot!u@h")
        await connection.send(":srv 005 bot PREFIX=(qov)~@+ :are supported by this server")
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }

        await connection.send(":Op!o@h INVITE bot #art")
        let invited = try await log.expect("the invitation") { if case .invited = $0 { true } else { false } }
        #expect(invited == .invited(channel: "#art", by: Source(nick: "Op", user: "o", host: "h"), account: nil))

        async let op = client.channelStanding(of: "op", in: "#art")
        _ = try await connection.expect("NAMES #art") { $0.command == "NAMES" && $0.params == ["#art"] }
        await connection.send(":srv 353 bot = #art :~Op +voiced", ":srv 366 bot #art :End of /NAMES list.")
        #expect(await op == .operator)

        async let voiced = client.channelStanding(of: "Voiced", in: "#art")
        _ = try await connection.expect("NAMES #art again") { $0.command == "NAMES" }
        await connection.send(":srv 353 bot = #art :~Op +voiced", ":srv 366 bot #art :End of /NAMES list.")
        #expect(await voiced == .member)

        async let hidden = client.channelStanding(of: "op", in: "#secret")
        _ = try await connection.expect("NAMES #secret") { $0.command == "NAMES" && $0.params == ["#secret"] }
        await connection.send(":srv 366 bot #secret :End of /NAMES list.")
        #expect(await hidden == .hidden)

        #expect(await client.channelStanding(of: "op", in: "#silent", timeout: .milliseconds(300)) == nil)
        await client.shutdown()
        await server.stop()
    }
}

/// Bot mode over a real socket: `BOT=B` in 005 gets `MODE <nick> +B`, again after a reconnect.
@Suite struct IRCClientBotModeTests {
    @Test func botModeIsSetAfterEveryRegistration() async throws {
        let server = try await ScriptedIRCServer.start()
        let client = IRCConnection(configuration: IRCConnectionConfiguration(
            name: "botmode", host: "127.0.0.1", port: server.port, tls: false, nick: "bot", username: "u",
            flood: .init(burst: 100, interval: .milliseconds(10)),
            reconnect: .init(minimum: .milliseconds(100), maximum: .seconds(1), resetAfter: .seconds(300)),
            registrationTimeout: .seconds(10)), random: SeededGenerator(state: 5))
        await client.start()
        for number in 1...2 {
            let connection = try await server.connection(number)
            try await connection.welcome("bot", mask: "bot!u@h")
            await connection.send(":srv 005 bot BOT=B :are supported by this server")
            let mode = try await connection.expect("MODE +B on connection \(number)") { $0.command == "MODE" }
            #expect(mode.params == ["bot", "+B"])
            if number == 1 { await connection.close() }
        }
        await client.shutdown()
        await server.stop()
    }
}
