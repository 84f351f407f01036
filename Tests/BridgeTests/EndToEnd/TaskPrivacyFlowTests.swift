import Foundation
import MidjourneySimulator
import Store
import Testing
@testable import Bridge

/// `TaskPrivacy` through the real commands: a task's details stay in its conversation, and
/// steering someone else's task needs their services account (or an admin).
@Suite struct TaskPrivacyFlowTests {
    @Test func aFullIdFromAnotherConversationRevealsNothing() async throws {
        try await BridgeHarness.with { h in
            await h.say("!imagine a secret fox", as: "alice", account: "alice")
            let ack = await h.lastLine
            let ref = try #require(BridgeHarness.ref(in: ack))
            let id = try #require(try await h.taskId(ref: ref))
            await h.finishJobs()

            for (command, channel, nick, account) in [("!status", "#other", "bob", "bob"), ("!seed", "#other", "bob", "bob"),
                                                      ("!status", nil, "bob", "bob"), ("!status", nil, "alice", nil as String?),
                                                      ("!cancel", "#other", "bob", "bob"), ("!u1", "#other", "bob", "bob")] {
                let before = await h.lines.count
                await h.say("\(command) \(id)", as: nick, account: account, in: channel)
                let answer = await h.lines(after: before)
                #expect(answer == ["\(channel == nil ? "" : "\(nick): ")I know no task \(id.prefix(30)) here."],
                        "\(command) in \(channel ?? "private") as \(nick): \(answer)")
            }
            // The owner, identified, in private; and an admin anywhere.
            await h.say("!status \(id)", as: "alice", account: "alice", in: nil)
            #expect(await h.lastLine.contains("«a secret fox»: ✅"))
            await h.say("!status \(id)", as: "root", account: "root", in: "#other")
            #expect(await h.lastLine.contains("«a secret fox»: ✅"))
            // In its own channel anyone may look (everyone saw the result there anyway).
            await h.say("!status \(ref)", as: "bob", account: "bob")
            #expect(await h.lastLine.contains("«a secret fox»: ✅"))
        }
    }

    @Test func cancellingNeedsTheAccountNotTheNick() async throws {
        try await BridgeHarness.with { h in
            await h.say("!imagine a long job", as: "alice", account: "alice")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            // Someone wearing alice's nick without her account.
            await h.say("!cancel \(ref)", as: "alice", account: nil)
            #expect(await h.lastLine == "alice: Only the one who started ref \(ref) (or an admin) can cancel it.")
            await h.say("!cancel \(ref)", as: "alice", account: "mallory")
            #expect(await h.lastLine == "alice: Only the one who started ref \(ref) (or an admin) can cancel it.")
            // Alice's account under another nick.
            await h.say("!cancel \(ref)", as: "alice_", account: "ALICE")
            #expect(await h.results(for: ref) == ["alice: 🚫 «a long job» was cancelled · ref \(ref)"])
        }
    }

    @Test func remixingSomeoneElsesTaskIsRefused() async throws {
        try await BridgeHarness.with(simulator: { $0.remix = true }) { h in
            await h.say("!imagine a red fox", as: "alice", account: "alice")
            await h.finishJobs()
            await h.say("!v1", as: "alice", account: "alice")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.say("!remix \(ref) a blue fox", as: "bob", account: "bob")
            #expect(await h.lastLine == "bob: Only the one who started ref \(ref) (or an admin) can remix it.")
            await h.say("!remix \(ref) a green fox", as: "alice", account: "alice")
            let ack = await h.lastLine
            #expect(ack.contains("⏳ «a green fox» — ref \(ref)"), "\(ack)")
        }
    }
}
