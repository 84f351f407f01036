import Foundation
import IRC
import Testing
@testable import IRCClient
import TestnetSupport

/// Bounded buffers on both sides of the client, against `ScriptedIRCServer` on a real
/// loopback socket (no InspIRCd).
@Suite struct IRCClientBackpressureTests {
    private func configuration(port: Int) -> IRCConnectionConfiguration {
        IRCConnectionConfiguration(
            name: "scripted", host: "127.0.0.1", port: port, tls: false, nick: "bot", username: "u",
            flood: .init(burst: 100, interval: .milliseconds(10)),
            reconnect: .init(minimum: .milliseconds(100), maximum: .seconds(2), resetAfter: .seconds(300)),
            registrationTimeout: .seconds(10)
        )
    }

    @Test func aLaggingConsumerLosesOnlyChatAndIsToldHowMuch() async throws {
        let server = try await ScriptedIRCServer.start()
        var config = configuration(port: server.port)
        config.eventBacklogLimit = 5
        let client = IRCConnection(configuration: config, random: SeededGenerator(state: 11))
        await client.start()
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: "bot!u@h")
        // Nobody reads `events` yet: connecting, connected and registered wait, then two chat
        // lines fit under the limit of five.
        for index in 1...20 { await connection.send(":alice!a@h PRIVMSG #c :line \(index)") }
        await connection.send(":bot!u@h JOIN #c")
        try await connection.roundTrip("lag")
        #expect(client.droppedChatMessages == 18)

        let log = EventLog(client)
        _ = try await log.expect("joined, never dropped") { $0 == .joined(channel: "#c") }
        await connection.send(":alice!a@h PRIVMSG #c :after")
        _ = try await log.expect("the drop reported") { $0 == .chatDropped(count: 18) }
        _ = try await log.expect("chat again") { if case .message(let m) = $0 { m.text == "after" } else { false } }
        let texts = await log.all.compactMap { event -> String? in if case .message(let m) = event { m.text } else { nil } }
        #expect(texts == ["line 1", "line 2", "after"])
        #expect(client.droppedChatMessages == 18)
        await client.shutdown()
        await server.stop()
    }

    /// A backlog of one line: reading stops after every line and must start again each time,
    /// or registration and the chat after it never get through.
    @Test func readingPausedAfterEveryLineStillCarriesTheWholeSession() async throws {
        let server = try await ScriptedIRCServer.start()
        var config = configuration(port: server.port)
        config.readBacklogLimit = 1
        let client = IRCConnection(configuration: config, random: SeededGenerator(state: 11))
        let log = EventLog(client)
        await client.start()
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: "bot!u@h")
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        var burst: [String] = (1...200).map { ":alice!a@h PRIVMSG #c :line \($0)" }
        burst.append(":bot!u@h JOIN #c")
        await connection.send(burst.joined(separator: "\r\n"))
        _ = try await log.expect("joined after the burst") { $0 == .joined(channel: "#c") }
        let texts = await log.all.compactMap { event -> String? in if case .message(let m) = event { m.text } else { nil } }
        #expect(texts == (1...200).map { "line \($0)" })
        #expect(client.droppedChatMessages == 0)
        await client.shutdown()
        await server.stop()
    }

    @Test func aChatLineCarriesOurNickAsItWasThen() async throws {
        let server = try await ScriptedIRCServer.start()
        let client = IRCConnection(configuration: configuration(port: server.port), random: SeededGenerator(state: 11))
        let log = EventLog(client)
        await client.start()
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: "bot!u@h")
        await connection.send(":alice!a@h PRIVMSG #c :bot: help")
        let first = try await log.expect("first") { if case .message = $0 { true } else { false } }
        await connection.send(":bot!u@h NICK robot", ":alice!a@h PRIVMSG #c :robot: help")
        let second = try await log.expect("second") { if case .message(let m) = $0 { m.text == "robot: help" } else { false } }
        guard case .message(let before) = first, case .message(let after) = second else { return }
        #expect(before.ownNick == "bot")
        #expect(after.ownNick == "robot")
        await client.shutdown()
        await server.stop()
    }
}
