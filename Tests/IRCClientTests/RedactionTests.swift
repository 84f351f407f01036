import Foundation
import IRC
import Logging
import Synchronization
import Testing
@testable import IRCClient
import TestnetSupport

/// Issue 12: channel keys and passwords never reach a log, at any level.
@Suite struct RedactionTests {
    let redaction = Redaction(secrets: ["srv-pass-123", "hunter2-key", "ns-pass-456", "xy"])

    @Test func commandsThatCarrySecretsAreRedacted() throws {
        #expect(redaction.loggable(Message("PASS", "srv-pass-123")) == "PASS <redacted>")
        #expect(redaction.loggable(Message("AUTHENTICATE", "Ym90AGJvdABzZWNyZXQ=")) == "AUTHENTICATE <redacted>")
        #expect(redaction.loggable(Message("PRIVMSG", "NickServ", "IDENTIFY bot ns-pass-456")) == "PRIVMSG NickServ <redacted>")
        let join = redaction.loggable(Message("JOIN", "#secret,#other", "k1,k2"))
        #expect(join.hasPrefix("JOIN #secret,#other ") && join.hasSuffix("<redacted>") && !join.contains("k1"))
        #expect(redaction.loggable(Message("JOIN", "#open")) == "JOIN #open")
        // As raw lines too: what the queue holds and what the server sends back (echo-message).
        let queued = redaction.loggable(line: "JOIN #secret hunter2-key")
        #expect(queued.hasPrefix("JOIN #secret ") && queued.hasSuffix("<redacted>") && !queued.contains("hunter2"))
        #expect(redaction.loggable(line: ":bot!u@h PRIVMSG NickServ :IDENTIFY bot ns-pass-456") == "PRIVMSG NickServ <redacted>")
        #expect(redaction.loggable(line: "pass srv-pass-123").lowercased() == "pass <redacted>")
    }

    @Test func aKnownSecretQuotedAnywhereIsReplaced() {
        #expect(redaction.loggable(line: ":alice!a@h PRIVMSG #c :the key is hunter2-key, right?")
            == ":alice!a@h PRIVMSG #c :the key is <redacted>, right?")
        #expect(redaction.scrubbed("not IRC at all srv-pass-123") == "not IRC at all <redacted>")
        // A line without secrets is logged exactly as it was; secrets too short to search for
        // are left alone (they would garble every line).
        let plain = "@time=2026-01-01T00:00:00Z :alice!a@h PRIVMSG #c :xy marks the spot"
        #expect(redaction.loggable(line: plain) == plain)
    }

    @Test func theClientLogsNoSecretAtTraceLevel() async throws {
        let capture = RedactionLogCapture()
        let server = try await ScriptedIRCServer.start()
        let configuration = IRCConnectionConfiguration(
            name: "scripted", host: "127.0.0.1", port: server.port, tls: false, nick: "bot", username: "u",
            password: "srv-pass-123", nickservPassword: "ns-pass-456",
            channels: [.init("#secret", key: "hunter2-key")],
            flood: .init(burst: 100, interval: .milliseconds(10)),
            reconnect: .init(minimum: .milliseconds(100), maximum: .seconds(2), resetAfter: .seconds(300)),
            registrationTimeout: .seconds(10))
        let client = IRCConnection(configuration: configuration, logger: capture.logger)
        let log = EventLog(client)
        await client.start()
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: "bot!u@h")
        _ = try await log.expect("registered") { $0 == .registered(nick: "bot") }
        _ = try await connection.expect("IDENTIFY") { $0.command == "PRIVMSG" && $0.params.first == "NickServ" }
        _ = try await connection.expect("JOIN with key") { $0.command == "JOIN" && $0.params == ["#secret", "hunter2-key"] }
        await client.join("#later", key: "runtime-key-789")
        _ = try await connection.expect("runtime JOIN") { $0.command == "JOIN" && $0.params.first == "#later" }
        // The server echoes the IDENTIFY (echo-message) and someone quotes a key.
        await connection.send(":bot!u@h PRIVMSG NickServ :IDENTIFY bot ns-pass-456",
                              ":alice!a@h PRIVMSG #secret :the key was hunter2-key and runtime-key-789")
        try await connection.roundTrip("done")
        await client.shutdown()
        await server.stop()

        let logged = capture.all.joined(separator: "\n")
        #expect(logged.contains("<redacted>"))
        #expect(logged.contains("PONG"), "trace logging was on")
        for secret in ["srv-pass-123", "ns-pass-456", "hunter2-key", "runtime-key-789"] {
            #expect(!logged.contains(secret), "\(secret) in:\n\(logged)")
        }
    }
}

/// Everything the client logs, at every level.
final class RedactionLogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "test.irc") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    struct Handler: LogHandler {
        let capture: RedactionLogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
        }
    }
}
