import Foundation
import IRC
import Testing
@testable import IRCClient
import TestnetSupport

/// The client against `ScriptedIRCServer` on a real loopback socket: the server lines that a
/// real network does not send on cue. These run without InspIRCd.
@Suite struct IRCClientScriptedServerTests {
    private func configuration(port: Int, nick: String = "bot", channels: [IRCConnectionConfiguration.Channel] = []) -> IRCConnectionConfiguration {
        IRCConnectionConfiguration(
            name: "scripted", host: "127.0.0.1", port: port, tls: false, nick: nick, username: "u",
            channels: channels,
            flood: .init(burst: 100, interval: .milliseconds(10)),
            reconnect: .init(minimum: .milliseconds(100), maximum: .seconds(2), resetAfter: .seconds(300)),
            registrationTimeout: .seconds(10)
        )
    }

    private func started(_ configuration: IRCConnectionConfiguration) async -> (IRCConnection, EventLog) {
        let client = IRCConnection(configuration: configuration, random: SeededGenerator(state: 11))
        let log = EventLog(client)
        await client.start()
        return (client, log)
    }

    /// A server without CAP (so no account-tag): messages carry no trusted account, and a
    /// lookup asks WHOIS, or WHOX once the server offers it; no answer is nil, in time.
    @Test func accountsAreLookedUpWithWhoisOrWhox() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: "bot!u@h")
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }

        await connection.send(":Dave!~d@host.example PRIVMSG bot :!pause")
        let event = try await log.expect("the message") { if case .message = $0 { true } else { false } }
        guard case .message(let message) = event else { return }
        #expect(message.account == nil && !message.accountVerified && message.caseMapping == .rfc1459)

        async let whois = client.lookUpAccount("Dave")
        _ = try await connection.expect("WHOIS") { $0.command == "WHOIS" && $0.params == ["Dave"] }
        await connection.send(":srv 311 bot Dave ~d host.example * :Dave", ":srv 330 bot Dave daveacct :is logged in as",
                        ":srv 318 bot Dave :End of /WHOIS list.")
        #expect(await whois == .loggedIn("daveacct"))

        await connection.send(":srv 005 bot WHOX :are supported by this server")
        try await connection.roundTrip("whox")
        async let who = client.lookUpAccount("erin")
        _ = try await connection.expect("WHO") { $0.command == "WHO" && $0.params == ["erin", "%tna,152"] }
        await connection.send(":srv 354 bot 152 Erin 0", ":srv 315 bot erin :End of /WHO list.")
        #expect(await who == .loggedOut)

        let silent = await client.lookUpAccount("nobody", timeout: .milliseconds(300))
        #expect(silent == nil)
        await client.shutdown()
        await server.stop()
    }

    @Test func registersAnswersPingAndQuitsWithTheMessage() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port))
        await #expect(throws: IRCClientError.notConnected) { try await client.enqueue(.privmsg, to: "#c", text: "early") }
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: "bot!u@h")
        _ = try await log.expect("registered") { $0 == .registered(nick: "bot") }
        #expect(await client.currentNick == "bot")
        try await connection.roundTrip("abc")

        await client.shutdown(quitMessage: "bye now")
        let quit = try await connection.expect("QUIT") { $0.command == "QUIT" }
        #expect(quit.params == ["bye now"])
        _ = try await log.expect("stopped") { $0 == .stopped }
        await #expect(throws: IRCClientError.shutDown) { try await client.send(privmsg: "#c", text: "late") }
        await server.stop()
    }

    @Test func splitsRepliesWithTheMaskFromWelcomeAndThenFrom396() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: "bot!u@h")
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }

        let text = String(repeating: "Grüße aus 日本 🦊 ", count: 120)
        func received(_ count: Int) async throws -> [[String]] {
            var lines: [[String]] = []
            for index in 0..<count {
                lines.append(try await connection.expect("PRIVMSG \(index)") { $0.command == "PRIVMSG" }.params)
            }
            return lines
        }
        let short = LineSplitter(sender: Source(nick: "bot", user: "u", host: "h")).split(text, target: "#c")
        try await client.send(privmsg: "#c", text: text)
        #expect(try await received(short.count) == short.map(\.params))

        let cloak = "a.rather.long.cloaked.host.for.this.test.example"
        await connection.send(":srv 396 bot \(cloak) :is now your displayed host")
        try await connection.roundTrip("after-396")
        let cloaked = LineSplitter(sender: Source(nick: "bot", user: "u", host: cloak)).split(text, target: "#c")
        #expect(cloaked.count > short.count)
        try await client.send(privmsg: "#c", text: text)
        #expect(try await received(cloaked.count) == cloaked.map(\.params))
        await client.shutdown()
        await server.stop()
    }

    @Test func silentServerTimesOutRegistrationAndIsTriedAgain() async throws {
        let server = try await ScriptedIRCServer.start()
        var config = configuration(port: server.port)
        config.registrationTimeout = .milliseconds(300)
        let (client, log) = await started(config)
        _ = try await server.connection(1)
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        #expect(event == .disconnected(reason: "registration timed out", reconnectIn: expectedDelays(penalized: [false])[0]))
        _ = try await server.connection(2)
        _ = try await log.expect("attempt 2") { $0 == .connecting(attempt: 2) }
        await client.shutdown()
        await server.stop()
    }

    @Test func serverErrorLengthensTheWaitAndChannelsAreRejoinedWithKeys() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port, channels: [.init("#open"), .init("#locked", key: "sesame")]))

        let first = try await server.connection(1)
        try await first.welcome("bot", mask: "bot!u@h")
        _ = try await first.expect("JOIN #open") { $0.command == "JOIN" && $0.params == ["#open"] }
        _ = try await first.expect("JOIN #locked sesame") { $0.command == "JOIN" && $0.params == ["#locked", "sesame"] }
        await first.send(":bot!u@h JOIN #open", ":bot!u@h JOIN #locked")
        _ = try await log.expect("joined #locked") { $0 == .joined(channel: "#locked") }
        #expect(await client.isJoined("#LOCKED"))

        await first.send("ERROR :Closing link: (u@h) [K-Lined]")
        await first.close()
        let delays = expectedDelays(penalized: [true, false])
        let thrownOut = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        #expect(thrownOut == .disconnected(reason: "the server closed the link: Closing link: (u@h) [K-Lined]", reconnectIn: delays[0]))
        #expect(await !client.isJoined("#locked"))

        let second = try await server.connection(2)
        try await second.welcome("bot", mask: "bot!u@h")
        _ = try await second.expect("JOIN #open again") { $0.command == "JOIN" && $0.params == ["#open"] }
        _ = try await second.expect("JOIN #locked sesame again") { $0.command == "JOIN" && $0.params == ["#locked", "sesame"] }
        // A plain close (no ERROR) is not held against the server.
        await second.close()
        let dropped = try await log.expect("disconnected again") { if case .disconnected = $0 { true } else { false } }
        #expect(dropped == .disconnected(reason: "the server closed the connection", reconnectIn: delays[1]))
        await client.shutdown()
        await server.stop()
    }

    @Test func fallbackNickAsksForTheConfiguredOneUntilItIsFree() async throws {
        let server = try await ScriptedIRCServer.start()
        var config = configuration(port: server.port)
        config.nickRegainInterval = .milliseconds(100)
        let (client, log) = await started(config)
        let connection = try await server.connection(1)
        _ = try await connection.expect("CAP LS") { $0.command == "CAP" }
        await connection.send(":srv 421 * CAP :Unknown command")
        _ = try await connection.expect("NICK bot") { $0.command == "NICK" && $0.params == ["bot"] }
        await connection.send(":srv 433 * bot :Nickname is already in use")
        _ = try await connection.expect("NICK bot_") { $0.command == "NICK" && $0.params == ["bot_"] }
        await connection.send(":srv 001 bot_ :Welcome bot_!u@h")
        _ = try await log.expect("registered as bot_") { $0 == .registered(nick: "bot_") }

        // Still taken: the refusal after registration must not start another fallback.
        _ = try await connection.expect("NICK bot (1)") { $0.command == "NICK" && $0.params == ["bot"] }
        await connection.send(":srv 433 bot_ bot :Nickname is already in use")
        _ = try await connection.expect("NICK bot (2)") { $0.command == "NICK" && $0.params == ["bot"] }
        #expect(await client.currentNick == "bot_")
        await connection.send(":bot_!u@h NICK bot")
        _ = try await log.expect("nick changed") { $0 == .nickChanged("bot") }
        #expect(await client.currentNick == "bot")
        // The timer notices on its next tick that there is nothing left to ask for, and ends.
        try await waitUntil("regain timer ends") { await !client.isRegainingNick }
        await client.shutdown()
        await server.stop()
    }

    @Test func refusedJoinIsTriedAgainWithGrowingWaitsUntilItWorks() async throws {
        let server = try await ScriptedIRCServer.start()
        var config = configuration(port: server.port, channels: [.init("#Full")])
        config.rejoinDelay = .milliseconds(50)
        let (client, log) = await started(config)
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: "bot!u@h")
        for (index, refusal) in ["471 bot #Full :Cannot join channel (+l)", "473 bot #full :Cannot join channel (+i)",
                                 "474 bot #FULL :Cannot join channel (+b)", "475 bot #Full :Cannot join channel (+k)"].enumerated() {
            _ = try await connection.expect("JOIN #Full (\(index + 1))") { $0.command == "JOIN" && $0.params == ["#Full"] }
            await connection.send(":srv \(refusal)")
        }
        _ = try await connection.expect("JOIN #Full (5)") { $0.command == "JOIN" && $0.params == ["#Full"] }
        await connection.send(":bot!u@h JOIN #Full")
        _ = try await log.expect("joined") { $0 == .joined(channel: "#Full") }
        #expect(await client.isJoined("#full"))
        // Each retry timer removed itself when it fired: none is left behind.
        #expect(await client.runningTimerCount == 0)
        await client.shutdown()
        await server.stop()
    }

    @Test func shutdownCanLetQueuedLinesGoFirst() async throws {
        let server = try await ScriptedIRCServer.start()
        var config = configuration(port: server.port)
        config.flood = .init(burst: 1, interval: .milliseconds(100))
        let (client, log) = await started(config)
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: "bot!u@h")
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        for index in 1...4 { try await client.enqueue(.privmsg, to: "#c", text: "line \(index)") }
        await client.shutdown(quitMessage: "done", drainTimeout: .seconds(30))
        for index in 1...4 {
            let line = try await connection.expect("line \(index)") { $0.command == "PRIVMSG" }
            #expect(line.params == ["#c", "line \(index)"])
        }
        let quit = try await connection.expect("QUIT") { $0.command == "QUIT" }
        #expect(quit.params == ["done"])
        await server.stop()
    }

    @Test func unusableCertificateFilesStopTheClientWithoutRetrying() async throws {
        var config = configuration(port: 1)
        config.tls = true
        config.caFile = "/nonexistent/ca.pem"
        let (_, log) = await started(config)
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(let reason, let retry) = event else { return }
        #expect(reason == "TLS setup failed: cannot read ca_file /nonexistent/ca.pem: no such file")
        #expect(retry == nil)
        _ = try await log.expect("stopped") { $0 == .stopped }
    }

    /// The waits the client must choose: same settings and seed as `started`.
    private func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while await !condition() {
            if ContinuousClock.now >= deadline { throw TestnetError("\(what): not within \(timeout)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private func expectedDelays(penalized: [Bool]) -> [Duration] {
        let reconnect = configuration(port: 0).reconnect
        var backoff = ReconnectBackoff(minimum: reconnect.minimum, maximum: reconnect.maximum, resetAfter: reconnect.resetAfter)
        var random = SeededGenerator(state: 11)
        return penalized.map { backoff.nextDelay(penalized: $0, using: &random) }
    }
}
