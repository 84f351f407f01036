import Foundation
import IRC
import Testing
@testable import IRCClient
import TestnetSupport

/// PLAIN configured, the server lists only EXTERNAL (irctest's case): the client still asks for
/// `sasl`, tries PLAIN, and after 908/904 follows `sasl_required`.
@Suite struct IRCClientSASLNegotiationTests {
    private func started(port: Int, required: Bool) async -> (IRCConnection, EventLog) {
        let configuration = IRCConnectionConfiguration(
            name: "scripted", host: "127.0.0.1", port: port, tls: false, nick: "bot", username: "u",
            sasl: .plain(account: "acct", password: "pw"), saslRequired: required,
            flood: .init(burst: 100, interval: .milliseconds(10)),
            reconnect: .init(minimum: .milliseconds(100), maximum: .seconds(2), resetAfter: .seconds(300)),
            registrationTimeout: .seconds(10)
        )
        let client = IRCConnection(configuration: configuration, random: SeededGenerator(state: 11))
        let log = EventLog(client)
        await client.start()
        return (client, log)
    }

    private func refusePlain(_ connection: ScriptedConnection) async throws {
        _ = try await connection.expect("CAP LS") { $0.command == "CAP" }
        await connection.send(":srv CAP * LS :sasl=EXTERNAL")
        _ = try await connection.expect("CAP REQ sasl") { $0.command == "CAP" && $0.params.last == "sasl" }
        await connection.send(":srv CAP bot ACK :sasl")
        _ = try await connection.expect("AUTHENTICATE PLAIN") { $0.command == "AUTHENTICATE" && $0.params == ["PLAIN"] }
        await connection.send(":srv 908 bot EXTERNAL :are available SASL mechanisms",
                              ":srv 904 bot :SASL authentication failed")
    }

    @Test func notRequiredGoesOnUnidentified() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(port: server.port, required: false)
        let connection = try await server.connection(1)
        try await refusePlain(connection)
        _ = try await connection.expect("CAP END") { $0.command == "CAP" && $0.params == ["END"] }
        await connection.send(":srv 001 bot :Welcome bot!u@h")
        _ = try await log.expect("registered") { $0 == .registered(nick: "bot") }
        await client.shutdown()
        await server.stop()
    }

    @Test func requiredDisconnectsNamingTheServersMechanisms() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(port: server.port, required: true)
        let connection = try await server.connection(1)
        try await refusePlain(connection)
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(let reason, _) = event else { return }
        #expect(reason == "SASL PLAIN login as 'acct' failed: SASL authentication failed (server mechanisms: EXTERNAL)")
        await client.shutdown()
        await server.stop()
    }
}
