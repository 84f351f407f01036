import Foundation
import IRC
import Testing
@testable import IRCClient
import TestnetSupport

/// SASL SCRAM over a real loopback socket against `ScriptedIRCServer`: the client's nonce is
/// random here (the system CSPRNG), so the script reads it from the client-first message.
@Suite struct IRCClientSCRAMTests {
    private func configuration(port: Int, password: String) -> IRCConnectionConfiguration {
        IRCConnectionConfiguration(
            name: "scripted", host: "127.0.0.1", port: port, tls: false, nick: "bot", username: "u",
            sasl: .scram(.sha256, account: "user", password: password), saslRequired: true,
            flood: .init(burst: 100, interval: .milliseconds(10)),
            reconnect: .init(minimum: .milliseconds(100), maximum: .seconds(2), resetAfter: .seconds(300)),
            registrationTimeout: .seconds(10)
        )
    }

    private func decoded(_ message: Message) -> String {
        String(decoding: Data(base64Encoded: message.params.first ?? "") ?? Data(), as: UTF8.self)
    }

    /// CAP LS with SCRAM, through the client-first message; returns the client's nonce.
    private func negotiate(_ connection: ScriptedConnection) async throws -> String {
        _ = try await connection.expect("CAP LS") { $0.command == "CAP" }
        await connection.send(":srv CAP * LS :sasl=SCRAM-SHA-256,PLAIN")
        _ = try await connection.expect("CAP REQ sasl") { $0.command == "CAP" && $0.params.last == "sasl" }
        await connection.send(":srv CAP bot ACK :sasl")
        _ = try await connection.expect("AUTHENTICATE SCRAM-SHA-256") { $0.command == "AUTHENTICATE" && $0.params == ["SCRAM-SHA-256"] }
        await connection.send("AUTHENTICATE +")
        let first = decoded(try await connection.expect("client-first") { $0.command == "AUTHENTICATE" })
        #expect(first.hasPrefix("n,,n=user,r="))
        return String(first.dropFirst("n,,n=user,r=".count))
    }

    @Test func wrongServerSignatureDisconnectsWithAClearReason() async throws {
        let server = try await ScriptedIRCServer.start()
        let client = IRCConnection(configuration: configuration(port: server.port, password: "pencil"), random: SeededGenerator(state: 11))
        let log = EventLog(client)
        await client.start()
        let connection = try await server.connection(1)
        let nonce = try await negotiate(connection)
        #expect(nonce.utf8.count == 32)
        await connection.send("AUTHENTICATE " + Data("r=\(nonce)srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096".utf8).base64EncodedString())
        let final = decoded(try await connection.expect("client-final") { $0.command == "AUTHENTICATE" })
        #expect(final.hasPrefix("c=biws,r=\(nonce)srv,p="))
        // A server that does not know the password cannot compute v=; this one makes it up.
        await connection.send("AUTHENTICATE " + Data("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=".utf8).base64EncodedString())
        _ = try await connection.expect("AUTHENTICATE *") { $0.command == "AUTHENTICATE" && $0.params == ["*"] }
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(let reason, _) = event else { return }
        #expect(reason == "SASL SCRAM-SHA-256: the server did not prove it knows the password (its signature is wrong)")
        await client.shutdown()
        await server.stop()
    }

    @Test func wrongPasswordGets904AndSASLRequiredDisconnects() async throws {
        let server = try await ScriptedIRCServer.start()
        let client = IRCConnection(configuration: configuration(port: server.port, password: "wrong"), random: SeededGenerator(state: 11))
        let log = EventLog(client)
        await client.start()
        let connection = try await server.connection(1)
        let nonce = try await negotiate(connection)
        await connection.send("AUTHENTICATE " + Data("r=\(nonce)srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096".utf8).base64EncodedString())
        _ = try await connection.expect("client-final") { $0.command == "AUTHENTICATE" }
        await connection.send(":srv 904 bot :SASL authentication failed")
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(let reason, _) = event else { return }
        #expect(reason == "SASL SCRAM-SHA-256 login as 'user' failed: SASL authentication failed")
        await client.shutdown()
        await server.stop()
    }
}
