import Foundation
import Store
import Testing
@testable import Bridge

@Suite struct SubmissionGateTests {
    static let at = Date(timeIntervalSince1970: 1_800_000_000)

    func refusal(_ spec: CommandSpec, role: Role = .user, account: String? = nil, verified: Bool = true,
                 requireAccount: Bool = false, pause: PauseSetting? = nil) -> String? {
        let event = ChatEvent(network: "n", target: .channel("#c"), sender: "a", account: account, text: "",
                              accountVerified: verified)
        return SubmissionGate.refusal(spec: spec, role: role, event: event, access: NetworkAccess(requireAccount: requireAccount),
                                      pause: pause)
    }

    @Test func queriesAndBotCommandsAreNeverHeldBack() {
        let pause = PauseSetting(network: "n", channel: nil, message: "x", pausedBy: "root", pausedAt: Self.at)
        for spec in [BridgeCommands.status, BridgeCommands.seed, BridgeCommands.tasks, BridgeCommands.cancel, CoreCommands.help,
                     AdminCommands.resume, OwnerCommands.pending] {
            #expect(refusal(spec, requireAccount: true, pause: pause) == nil, "\(spec.name)")
        }
    }

    @Test func jobsAndButtonsAreSubmissions() {
        for spec in [BridgeCommands.imagine, BridgeCommands.upscale1to4, BridgeCommands.button, BridgeCommands.describe,
                     BridgeCommands.blend, BridgeCommands.remix] {
            #expect(spec.isSubmission, "\(spec.name)")
        }
        #expect(!BridgeCommands.status.isSubmission)
    }

    @Test func requireAccountAsksForAnIdentifiedAccount() {
        let sentence = "only users logged in to a services account can start jobs here: log in (e.g. /msg NickServ IDENTIFY <account> <password>, or SASL) and try again."
        #expect(refusal(BridgeCommands.imagine, requireAccount: true) == sentence)
        #expect(refusal(BridgeCommands.imagine, account: "a", verified: false, requireAccount: true) == sentence)
        #expect(refusal(BridgeCommands.imagine, account: "a", requireAccount: true) == nil)
        #expect(refusal(BridgeCommands.imagine, role: .owner, requireAccount: true) == nil, "a hostmask owner has no account")
        #expect(refusal(BridgeCommands.imagine) == nil)
    }

    @Test func aPauseRefusesWithItsMessageForEveryone() {
        let channel = PauseSetting(network: "n", channel: "#c", message: "back at six", pausedBy: "root", pausedAt: Self.at)
        #expect(refusal(BridgeCommands.imagine, pause: channel) == "New jobs are paused in #c: back at six")
        #expect(refusal(BridgeCommands.imagine, role: .owner, pause: channel) == "New jobs are paused in #c: back at six")
        let global = PauseSetting(network: "n", channel: nil, message: nil, pausedBy: "root", pausedAt: Self.at)
        #expect(refusal(BridgeCommands.imagine, pause: global) == "New jobs are paused for now; running jobs still finish. Try again later.")
    }
}
