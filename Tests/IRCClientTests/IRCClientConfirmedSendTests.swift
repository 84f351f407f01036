import Foundation
import IRC
import Testing
@testable import IRCClient
import TestnetSupport

/// `deliver` against `ScriptedIRCServer` on a real loopback socket: the server's answers
/// (echoes, labels, errors, PONGs, silence, a dropped connection) come on cue, so every rule
/// of a confirmed send is shown without InspIRCd.
@Suite struct IRCClientConfirmedSendTests {
    static let mask = "bot!u@h"
    static let both = ["echo-message", "labeled-response", "batch", "message-tags"]

    private func configuration(port: Int, confirmTimeout: Duration = .seconds(30)) -> IRCConnectionConfiguration {
        var configuration = IRCConnectionConfiguration(
            name: "scripted", host: "127.0.0.1", port: port, tls: false, nick: "bot", username: "u",
            flood: .init(burst: 100, interval: .milliseconds(10)),
            reconnect: .init(minimum: .milliseconds(100), maximum: .seconds(2), resetAfter: .seconds(300)),
            registrationTimeout: .seconds(10)
        )
        configuration.confirmTimeout = confirmTimeout
        return configuration
    }

    private func started(_ configuration: IRCConnectionConfiguration) async -> (IRCConnection, EventLog) {
        let client = IRCConnection(configuration: configuration, random: SeededGenerator(state: 11))
        let log = EventLog(client)
        await client.start()
        return (client, log)
    }

    /// Three lines' worth of words (each piece about 450 bytes as the splitter cuts it).
    private func longText(_ tag: String) -> String {
        (0..<240).map { "\(tag)\($0)" }.joined(separator: " ")
    }

    private var splitter: LineSplitter { LineSplitter(sender: Source(parsing: Substring(Self.mask))) }

    private func registered(_ log: EventLog) async throws {
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
    }

    @Test func labeledEchoesConfirmEveryPieceAndNeverReachTheBridge() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask, offering: Self.both)
        try await registered(log)

        let text = longText("w")
        let expected = splitter.pieces(of: text, target: "#c")
        #expect(expected.count == 3)
        let delivery = Task { await client.deliver(.privmsg, to: "#c", text: text) }
        var labels: Set<String> = []
        for piece in expected {
            let line = try await connection.nextChat()
            #expect(line.params == piece.message.params)
            let label = try #require(line.tags["label"])
            labels.insert(label)
            // Echoed as the server shows it (another case for the channel): the label decides.
            var shown = line
            shown.params[0] = "#C"
            await connection.echo(shown, from: Self.mask)
        }
        #expect(labels.count == 3)
        #expect(try await within(.seconds(20), "deliver") { await delivery.value } == .confirmed)

        // Labels answer every line: no PING barrier follows (the next PING or PONG the client
        // sends is the answer to ours). Our echoes are not chat.
        await connection.send("PING :after")
        let next = try await connection.expect("PONG after") { $0.command == "PING" || $0.command == "PONG" }
        #expect(next.command == "PONG" && next.params.last == "after")
        #expect(!(await log.all).contains { if case .message = $0 { true } else { false } })
        await client.shutdown()
        await server.stop()
    }

    @Test func echoWithoutLabelsMatchesByTargetAndText() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask, offering: ["echo-message"])
        try await registered(log)

        // An immediate reply and an owed line to the same channel, answered in order.
        try await client.send(privmsg: "#c", text: "immediate")
        let delivery = Task { await client.deliver(.notice, to: "#c", text: "owed") }
        let immediate = try await connection.nextChat()
        let owed = try await connection.nextChat()
        #expect(immediate.tags.isEmpty && owed.tags.isEmpty && owed.command == "NOTICE")
        let barrier = try await connection.expect("barrier") { $0.command == "PING" }
        #expect(barrier.params.last?.hasPrefix("mjb-") == true)
        await connection.echo(immediate, from: Self.mask)
        await connection.echo(owed, from: Self.mask)
        #expect(try await within(.seconds(20), "deliver") { await delivery.value } == .confirmed)
        await connection.send(":srv PONG srv :\(barrier.params.last ?? "")")
        try await connection.roundTrip("after")
        #expect(!(await log.all).contains { if case .message = $0 { true } else { false } })
        await client.shutdown()
        await server.stop()
    }

    @Test func withoutEchoThePongOfTheBarrierConfirms() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask)
        try await registered(log)

        let text = longText("b")
        let delivery = Task { await client.deliver(.privmsg, to: "#c", text: text) }
        var said = ""
        // One piece at a time, each followed by its barrier; the next comes after the PONG.
        for index in 0..<3 {
            said += try await connection.nextChat().params[1]
            let barrier = try await connection.expect("barrier") { $0.command == "PING" }
            let token = try #require(barrier.params.last)
            if index == 0 {
                // A PONG for something else does not confirm; the barrier's does.
                await connection.send(":srv PONG srv :mjbridge")
                try await connection.roundTrip("not-yet")
                #expect(await connection.chatCount == 1, "the second piece waits for the first one's barrier")
            }
            await connection.send(":srv PONG srv :\(token)")
        }
        #expect(said == text)
        #expect(try await within(.seconds(20), "deliver") { await delivery.value } == .confirmed)
        await client.shutdown()
        await server.stop()
    }

    @Test func refusalMidReplyReportsTheConfirmedOffsetAndTheRestFollowsLater() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask, offering: ["echo-message"])
        try await registered(log)

        let text = longText("r")
        let delivery = Task { await client.deliver(.privmsg, to: "#m", text: text) }
        let first = try await connection.nextChat()
        let barrier = try await connection.expect("barrier") { $0.command == "PING" }
        await connection.echo(first, from: Self.mask)
        await connection.send(":srv PONG srv :\(barrier.params.last ?? "")")
        // As a server answers a channel that went +m after the first line.
        let second = try await connection.nextChat()
        await connection.send(":srv 404 bot #m :Cannot send to channel (+m)")
        let report = try await within(.seconds(20), "deliver") { await delivery.value }
        let confirmed = first.params[1].utf8.count
        #expect(report == .refused(SendRefusal(.cannotSend, code: "404", reason: "Cannot send to channel (+m)"), confirmedOffset: confirmed))
        #expect(second.params[1] != first.params[1])
        // Nothing of the line was written after the refused piece.
        try await client.send(privmsg: "#elsewhere", text: "marker")
        #expect(try await connection.nextChat().params == ["#elsewhere", "marker"])

        // Voiced: the next attempt starts after the first piece and says it only once.
        await connection.send(":op!o@h MODE #m +v bot")
        _ = try await log.expect("access changed") { $0 == .channelAccessChanged(channel: "#m") }
        let retry = Task { await client.deliver(.privmsg, to: "#m", text: text, from: confirmed) }
        var rest = ""
        var pieces = 0
        while rest.utf8.count < text.utf8.count - confirmed {
            let line = try await connection.nextChat()
            if line.params[1] == first.params[1] { Issue.record("the confirmed piece was said again") }
            rest += line.params[1]
            pieces += 1
            await connection.echo(line, from: Self.mask)
        }
        #expect(String(decoding: text.utf8.dropFirst(confirmed), as: UTF8.self) == rest)
        #expect(try await within(.seconds(20), "retry") { await retry.value } == .confirmed)
        #expect(pieces == 2)
        await client.shutdown()
        await server.stop()
    }

    @Test func connectionDroppedAfterTheFirstOfThreePiecesReportsItsOffset() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask, offering: Self.both)
        try await registered(log)

        let text = longText("d")
        let delivery = Task { await client.deliver(.privmsg, to: "#c", text: text) }
        let first = try await connection.nextChat()
        await connection.echo(first, from: Self.mask)
        try await connection.roundTrip("echo-read")
        await connection.close()
        let report = try await within(.seconds(20), "deliver") { await delivery.value }
        #expect(report == .interrupted(confirmedOffset: first.params[1].utf8.count))

        // After the reconnect the rest goes out, and only the rest.
        let second = try await server.connection(2)
        try await second.welcome("bot", mask: Self.mask, offering: Self.both)
        _ = try await log.expect("registered again") { if case .registered = $0 { true } else { false } }
        let retry = Task { await client.deliver(.privmsg, to: "#c", text: text, from: first.params[1].utf8.count) }
        var lines: [Message] = []
        for _ in 0..<2 {
            let line = try await second.nextChat()
            lines.append(line)
            await second.echo(line, from: Self.mask)
        }
        #expect(first.params[1] + lines.map { $0.params[1] }.joined() == text)
        #expect(try await within(.seconds(20), "retry") { await retry.value } == .confirmed)
        await client.shutdown()
        await server.stop()
    }

    @Test func aSilentServerIsTreatedAsDeadAfterTheConfirmTimeout() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port, confirmTimeout: .milliseconds(500)))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask, offering: Self.both)
        try await registered(log)

        let delivery = Task { await client.deliver(.privmsg, to: "#c", text: "into the void") }
        _ = try await connection.nextChat()
        // No answer at all: the client closes, reports nothing confirmed, and connects again.
        #expect(try await within(.seconds(20), "deliver") { await delivery.value } == .interrupted(confirmedOffset: 0))
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(let reason, let reconnectIn) = event else { return }
        #expect(reason.hasPrefix("no answer to a line we sent within") && reconnectIn != nil, "\(reason)")
        _ = try await server.connection(2)
        await client.shutdown()
        await server.stop()
    }

    @Test func notRegisteredInvalidTargetAndEmptyTextAnswerAtOnce() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port))
        #expect(await client.deliver(.privmsg, to: "#c", text: "early", from: 2) == .interrupted(confirmedOffset: 2))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask, offering: Self.both)
        try await registered(log)
        guard case .refused(let refusal, 0) = await client.deliver(.privmsg, to: "#a b", text: "x") else {
            Issue.record("an invalid target was not refused")
            return
        }
        #expect(refusal.kind == .invalidTarget)
        #expect(await client.deliver(.privmsg, to: "#c", text: "\r\n") == .confirmed)
        // An offset inside a character moves back to its start; past the end, nothing is left.
        #expect(IRCConnection.scalarBoundary(in: "a🦊b", atOrBefore: 3) == 1)
        #expect(IRCConnection.scalarBoundary(in: "a🦊b", atOrBefore: 99) == 6)
        #expect(await client.deliver(.privmsg, to: "#c", text: "done", from: 4) == .confirmed)
        await client.shutdown()
        #expect(await client.deliver(.privmsg, to: "#c", text: "late") == .interrupted(confirmedOffset: 0))
        await server.stop()
    }

    @Test func shutdownWaitsForDeliveredLinesToBeConfirmed() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask, offering: Self.both)
        try await registered(log)

        let delivery = Task { await client.deliver(.privmsg, to: "#c", text: "last words") }
        let line = try await connection.nextChat()
        let stopping = Task { await client.shutdown(quitMessage: "bye", drainTimeout: .seconds(30)) }
        while !(await client.isShuttingDown) { try await Task.sleep(for: .milliseconds(10)) }
        // Still connected and answering: cut off now, the line would be said again after a restart.
        try await connection.roundTrip("still-there")
        await connection.echo(line, from: Self.mask)
        #expect(try await within(.seconds(20), "deliver") { await delivery.value } == .confirmed)
        _ = try await connection.expect("QUIT") { $0.command == "QUIT" && $0.params == ["bye"] }
        try await within(.seconds(20), "shutdown") { await stopping.value }
        await server.stop()
    }

    @Test func aLabeledRefusalOfTheSecondOfThreePiecesLeavesTheThirdUnwritten() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask, offering: Self.both)
        try await registered(log)

        let text = longText("p")
        let expected = splitter.pieces(of: text, target: "#m")
        #expect(expected.count == 3)
        let delivery = Task { await client.deliver(.privmsg, to: "#m", text: text) }
        let first = try await connection.nextChat()
        await connection.echo(first, from: Self.mask)
        let second = try await connection.nextChat()
        #expect(second.params == expected[1].message.params)
        // The server refuses the second piece by its label (a spam filter, +m set meanwhile).
        let label = try #require(second.tags["label"])
        await connection.send("@label=\(label) :srv 404 bot #m :Cannot send to channel (+m)")
        let confirmed = expected[0].end
        #expect(try await within(.seconds(20), "deliver") { await delivery.value }
                == .refused(SendRefusal(.cannotSend, code: "404", reason: "Cannot send to channel (+m)"), confirmedOffset: confirmed))
        // The third piece was never written: the next chat line is one queued after the refusal.
        try await client.send(privmsg: "#elsewhere", text: "marker")
        let next = try await connection.nextChat()
        #expect(next.params == ["#elsewhere", "marker"], "written after the refused piece: \(next.params)")

        // The retry says the second and third pieces once each, in order.
        let retry = Task { await client.deliver(.privmsg, to: "#m", text: text, from: confirmed) }
        var rest: [String] = []
        for _ in 0..<2 {
            let line = try await connection.nextChat()
            rest.append(line.params[1])
            await connection.echo(line, from: Self.mask)
        }
        #expect(try await within(.seconds(20), "retry") { await retry.value } == .confirmed)
        #expect(rest == [expected[1].message.params[1], expected[2].message.params[1]])
        await client.shutdown()
        await server.stop()
    }

    /// With flood budget to spare (the line queued meanwhile would go out at once) and with
    /// none (it waits for the limiter, and the next piece must not queue behind it).
    @Test(arguments: [FloodPace.fast, .slow])
    func linesQueuedDuringAReplyComeAfterAllItsPieces(_ pace: FloodPace) async throws {
        let server = try await ScriptedIRCServer.start()
        var configuration = configuration(port: server.port)
        if pace == .slow { configuration.flood = .init(burst: 1, interval: .seconds(1)) }
        let (client, log) = await started(configuration)
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask, offering: Self.both)
        try await registered(log)

        let text = longText("q")
        let expected = splitter.pieces(of: text, target: "#c")
        let delivery = Task { await client.deliver(.privmsg, to: "#c", text: text) }
        var said: [String] = []
        for index in 0..<3 {
            let line = try await connection.nextChat()
            said.append(line.params[1])
            if index == 0 {
                // An answer to a command, queued while the reply is under way; the server has
                // seen it (or not) before it echoes the first piece.
                try await client.enqueue(.privmsg, to: "#c", text: "immediate")
                try await connection.roundTrip("queued")
            }
            await connection.echo(line, from: Self.mask)
        }
        #expect(try await within(.seconds(20), "deliver") { await delivery.value } == .confirmed)
        said.append(try await connection.nextChat().params[1])
        #expect(said == expected.map { $0.message.params[1] } + ["immediate"])
        await client.shutdown()
        await server.stop()
    }

    /// Echo-message without labels: a piece's echo can come before its PING barrier is
    /// written (the limiter holds the PING back). The next piece goes first, and once the
    /// reply is confirmed other lines flow again.
    @Test func anEchoBeforeItsBarrierIsWrittenLeavesNothingHeld() async throws {
        let server = try await ScriptedIRCServer.start()
        var slow = configuration(port: server.port)
        slow.flood = .init(burst: 1, interval: .milliseconds(300))
        let (client, log) = await started(slow)
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask, offering: ["echo-message"])
        try await registered(log)

        let text = longText("e")
        let delivery = Task { await client.deliver(.privmsg, to: "#c", text: text) }
        var said = ""
        for _ in 0..<3 {
            let line = try await connection.nextChat()
            said += line.params[1]
            await connection.echo(line, from: Self.mask)
        }
        #expect(said == text)
        #expect(try await within(.seconds(20), "deliver") { await delivery.value } == .confirmed)
        let marker = Task { await client.deliver(.privmsg, to: "#c", text: "end") }
        let end = try await connection.nextChat()
        #expect(end.params[1] == "end")
        await connection.echo(end, from: Self.mask)
        #expect(try await within(.seconds(20), "marker") { await marker.value } == .confirmed)
        await client.shutdown()
        await server.stop()
    }

    enum FloodPace: Sendable, CustomStringConvertible {
        case fast, slow
        var description: String { self == .fast ? "fast" : "slow" }
    }

    @Test func cancellingADeliveryTakesItsQueuedPiecesBack() async throws {
        let server = try await ScriptedIRCServer.start()
        // One line per 300 ms and a confirm timeout far away: the pieces wait in the queue.
        var slow = configuration(port: server.port, confirmTimeout: .seconds(300))
        slow.flood = .init(burst: 1, interval: .milliseconds(300))
        let (client, log) = await started(slow)
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask, offering: Self.both)
        try await registered(log)

        for index in 1...6 { try await client.enqueue(.privmsg, to: "#c", text: "filler \(index)") }
        let first = Task { await client.deliver(.privmsg, to: "#c", text: "the result") }
        try await within(.seconds(20), "the delivery queued") {
            while await client.pendingDeliveries.waiting < 1 { try? await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(await client.queuedLineCount > 1, "the line waits behind the fillers")
        // The caller gives up (the delivery worker's backstop) while the line is still queued:
        // it is taken out of the queue and the call returns at once, nothing confirmed.
        first.cancel()
        #expect(try await within(.seconds(20), "the cancelled deliver") { await first.value } == .interrupted(confirmedOffset: 0))
        // The next attempt on the same connection: the line goes out once.
        let retry = Task { await client.deliver(.privmsg, to: "#c", text: "the result") }
        var said: [Message] = []
        while said.last?.params[1] != "the result" { said.append(try await connection.nextChat()) }
        #expect(said.map { $0.params[1] } == (1...6).map { "filler \($0)" } + ["the result"])
        await connection.echo(said[6], from: Self.mask)
        #expect(try await within(.seconds(20), "retry") { await retry.value } == .confirmed)
        // Nothing more of it is queued: the next chat line is one queued after.
        try await client.send(privmsg: "#c", text: "marker")
        #expect(try await connection.nextChat().params[1] == "marker")
        await client.shutdown()
        await server.stop()
    }

    @Test func aCancelledDeliveryWhosePieceIsWrittenEndsWithTheServersAnswer() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port, confirmTimeout: .seconds(300)))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask, offering: Self.both)
        try await registered(log)

        let text = longText("x")
        let expected = splitter.pieces(of: text, target: "#c")
        let delivery = Task { await client.deliver(.privmsg, to: "#c", text: text) }
        let first = try await connection.nextChat()
        // Given up while the first piece is on the wire, unanswered: the call waits for its
        // answer (the next attempt must start after it if it was passed on), then ends without
        // writing the other pieces.
        delivery.cancel()
        try await within(.seconds(20), "the delivery withdrawn") {
            while await client.pendingDeliveries.withdrawn < 1 { try? await Task.sleep(for: .milliseconds(5)) }
        }
        await connection.echo(first, from: Self.mask)
        #expect(try await within(.seconds(20), "deliver") { await delivery.value } == .interrupted(confirmedOffset: expected[0].end))
        try await client.send(privmsg: "#c", text: "marker")
        #expect(try await connection.nextChat().params[1] == "marker")
        await client.shutdown()
        await server.stop()
    }

    @Test func accessChangesAreReported() async throws {
        let server = try await ScriptedIRCServer.start()
        let (client, log) = await started(configuration(port: server.port))
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: Self.mask)
        try await registered(log)
        await connection.send(":bot!u@h JOIN #a", ":op!o@h MODE #a +v Dave", ":op!o@h MODE #a -b *!*@h",
                              ":op!o@h MODE #b +o bot", ":op!o@h MODE #c -m", ":op!o@h MODE bot +i")
        try await connection.roundTrip("modes")
        let changes = await log.all.compactMap { event -> String? in
            if case .channelAccessChanged(let channel) = event { channel } else { nil }
        }
        #expect(changes == ["#a", "#a", "#b", "#c"])
        await client.shutdown()
        await server.stop()
    }
}
