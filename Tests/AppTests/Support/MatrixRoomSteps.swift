import Foundation
import Matrix
import MidjourneyAPI
import Testing

/// Steps of the end-to-end suites on Synapse: reading what the bot said in a room (with
/// `/messages`, as any client would) and waiting for it, every wait with a deadline.
extension MatrixBotOnSynapseTests.Setup {
    /// Sends `text` as the user into `room`; returns its event id.
    func say(_ text: String, in room: String) async throws -> String {
        try await user.send(roomID: room, transactionID: UUID().uuidString, content: ["msgtype": "m.text", "body": .string(text)])
    }

    /// The bot's `m.room.message` events in `room` (default: the test's room), oldest first.
    func botMessages(in room: String? = nil) async throws -> [MatrixJSON] {
        var events: [MatrixJSON] = []
        var from: String?
        for _ in 0..<5 {
            let page = try await user.messages(roomID: room ?? roomID, from: from, limit: 100)
            events += page.events.filter { $0["type"] == "m.room.message" && $0["sender"]?.stringValue == synapse.bot.userID }
            guard let end = page.end, !page.events.isEmpty else { break }
            from = end
        }
        return events.reversed()
    }

    /// The bot's messages replying to `command` (empty when the room cannot be read just now).
    func replies(to command: String, in room: String? = nil) async -> [MatrixJSON] {
        ((try? await botMessages(in: room)) ?? []).filter {
            $0["content"]?["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.stringValue == command
        }
    }

    /// The `⏳ … — ref N. I'll post the result here.` notices for `command`.
    func acknowledgements(of command: String, in room: String? = nil) async -> [MatrixJSON] {
        await replies(to: command, in: room).filter { $0.messageBody.contains("— ref ") && $0.msgtype == "m.notice" }
    }

    /// The `✅ … · ref N` / `❌ …` result notices for `command`.
    func results(replyingTo command: String, in room: String? = nil) async -> [MatrixJSON] {
        await replies(to: command, in: room).filter {
            // `alice: ✅ …`: addressed to the sender like every answer.
            $0.msgtype == "m.notice" && ($0.messageBody.contains("✅ ") || $0.messageBody.contains("❌ "))
        }
    }

    func images(replyingTo command: String) async -> [MatrixJSON] {
        await replies(to: command).filter { $0.msgtype == "m.image" }
    }

    /// The bot's own join in the test's room: after its first sync (the configured rooms are
    /// joined then), so a command from now on is read.
    func waitForTheBotToJoin(log bot: BotProcess? = nil) async throws {
        try await pollUntil("the bot joining the room", timeout: .seconds(90), log: bot) {
            let page = try? await user.messages(roomID: roomID, limit: 100)
            return page?.events.contains {
                $0["type"] == "m.room.member" && $0["state_key"]?.stringValue == synapse.bot.userID
                    && $0["content"]?["membership"] == "join"
            } ?? false
        }
    }

    func waitForAcknowledgement(of command: String, log bot: BotProcess? = nil) async throws {
        try await pollUntil("the acknowledgement of \(command)", timeout: .seconds(90), log: bot) {
            await !acknowledgements(of: command).isEmpty
        }
    }

    /// Any reply to `command` (e.g. the pong of a `!ping`): the bot has read this far.
    func waitForAnswer(to command: String, in room: String? = nil, log bot: BotProcess? = nil) async throws {
        try await pollUntil("the answer to \(command)", timeout: .seconds(90), log: bot) {
            await !replies(to: command, in: room).isEmpty
        }
    }

    func waitForTheProxyToFinish(_ ids: [String], log bot: BotProcess? = nil) async throws {
        let proxy = try MidjourneyClient(configuration: MidjourneyConfiguration(baseURL: simulator.apiBaseURL, apiKey: "e2e-key-0123456789"),
                                         httpClient: MidjourneyClient.sharedHTTPClient)
        try await pollUntil("the jobs to finish at the proxy", timeout: .seconds(90), log: bot) {
            let tasks = (try? await proxy.list(ids: ids)) ?? []
            return tasks.count == ids.count && tasks.allSatisfy { $0.status == .success }
        }
    }
}

extension MatrixJSON {
    var messageBody: String { self["content"]?["body"]?.stringValue ?? "" }
    var msgtype: String? { self["content"]?["msgtype"]?.stringValue }
}

/// Polls `condition` every 200 ms; after `timeout` fails the test (with the bot's log and
/// `context`) and throws.
func pollUntil(_ what: String, timeout: Duration = .seconds(60), log bot: BotProcess? = nil,
               context: (() -> String)? = nil, _ condition: () async -> Bool) async throws {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    Issue.record("timed out waiting for \(what)\(bot.map { "\nbot log:\n\($0.logTail)" } ?? "")\(context.map { "\n\($0())" } ?? "")")
    throw CancellationError()
}
