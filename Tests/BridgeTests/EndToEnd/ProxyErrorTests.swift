import Foundation
import MidjourneyAPI
import MidjourneySimulator
import Testing
@testable import Bridge

/// Every way the proxy says no, and a task that never ends: the user reads one clear sentence.
@Suite struct ProxyErrorTests {
    /// Imagines until the proxy stops accepting; returns what was said to the last one.
    static func fillTheQueue(_ h: BridgeHarness) async -> [String] {
        var answers: [String] = []
        for n in 1...12 {
            await h.say("!imagine job \(n)")
            answers.append(await h.lastLine)
            if !answers.last!.contains("⏳") { break }
        }
        return answers
    }

    @Test func code22SaysTheQueuePosition() async throws {
        try await BridgeHarness.with(simulator: { $0.accountCoreSize = 1 }) { h in
            await h.say("!imagine first")
            #expect(!(await h.lastLine).contains("queue"))
            await h.say("!imagine second")
            let ack = await h.lastLine
            #expect(ack.range(of: #"^alice: ⏳ «second» — ref \d{4,}, queue position \d+\. I'll post the result here\.$"#,
                              options: .regularExpression) != nil, "\(ack)")
            await h.finishJobs()
            let ref = try #require(BridgeHarness.ref(in: ack))
            #expect(await h.results(for: ref).count == 1)
        }
    }

    @Test func code23And9MeanTheQueueIsFull() async throws {
        for flavor in [SimulatorFlavor.novicezk, .trueai] {
            try await BridgeHarness.with(flavor: flavor, simulator: { $0.accountCoreSize = 1; $0.accountQueueSize = 1 }) { h in
                let answers = await Self.fillTheQueue(h)
                #expect(answers.last == "alice: The image service's queue is full; try again in a few minutes.", "\(flavor): \(answers)")
            }
        }
    }

    @Test func code24NamesTheBannedWord() async throws {
        try await BridgeHarness.with(flavor: .novicezk) { h in
            await h.say("!imagine a badword fox")
            #expect(await h.lastLine == "alice: Midjourney refuses that prompt because of the word «badword».")
        }
        // TrueAI accepts and fails the task instead.
        try await BridgeHarness.with(flavor: .trueai) { h in
            await h.say("!imagine a badword fox")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.finishJobs()
            #expect(await h.results(for: ref) == ["alice: ❌ «a badword fox» failed: Midjourney flagged the prompt · ref \(ref)"])
        }
    }

    @Test func code21AsksForARemixPrompt() async throws {
        try await BridgeHarness.with(simulator: { $0.remix = true }) { h in
            _ = try await h.imagined("a red fox")
            await h.say("!v1")
            let waiting = await h.lastLine
            let ref = try #require(BridgeHarness.ref(in: waiting))
            #expect(waiting.hasPrefix("alice: ✏️ Remix is on: ref \(ref) waits for a new prompt (was «a red fox"), "\(waiting)")
            #expect(waiting.hasSuffix("— send !remix \(ref) <new prompt> (or !cancel \(ref))."))
            await h.say("!remix a red fox in the rain")
            let ack = await h.lastLine
            #expect(ack.contains("⏳ «a red fox in the rain» — ref \(ref)"), "\(ack)")
            await h.finishJobs()
            let results = await h.results(for: ref)
            #expect(results.count == 1 && results[0].contains("✅ «a red fox in the rain» → "), "\(results)")
        }
    }

    @Test func code4And9AreOneSentence() async throws {
        try await BridgeHarness.with { h in
            await h.say("!shorten a very detailed painting of a fox")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.finishJobs()
            #expect(await h.results(for: ref).first?.contains("✅ shortened «a very detailed painting of a fox»") == true)
            // A shorten result has no message hash: code 4.
            await h.say("!seed \(ref)")
            #expect(await h.lastLine == "alice: ref \(ref) has no seed: only image results have one.")
            // Code 4 for a button the proxy does not support (TrueAI and PromptAnalyzer).
            await h.say("!btn 1 \(ref)")
            let answer = await h.lastLine
            #expect(answer.hasPrefix("alice: The image service rejected the request"), "\(answer)")
            #expect(!answer.unicodeScalars.contains(where: ProxyErrorText.isCJK), "\(answer)")
            // Code 9 that is not about the queue.
            let nine = ProxyErrorText.sentence(for: SubmitResponse(code: .failure, description: "某个新的错误"))
            #expect(nine == "The image service could not take the job; try again later.")
        }
    }

    @Test func aRejectedKeyIsTheAdminsBusiness() async throws {
        try await BridgeHarness.with(apiKey: "sk-right-key", clientKey: "sk-wrong-key-1234") { h in
            await h.say("!imagine a red fox")
            let user = await h.lastLine
            #expect(user == "alice: The image service refused the bot's credentials — the bot's admins need to look at its configuration.")
            await h.say("!imagine a red fox", as: "admin", account: "root")
            let owner = await h.lastLine
            #expect(owner.hasPrefix("admin: API key rejected by the Midjourney proxy (HTTP 401)"), "\(owner)")
            for line in await h.lines { #expect(!line.contains("sk-wrong-key-1234") && !line.contains("sk-right-key")) }
        }
    }

    @Test func rateLimitsAndGatewayErrorsAreSaidPlainly() async throws {
        try await BridgeHarness.with { h in
            await h.sim.controls.failRequests(fraction: 1, statuses: [429])
            await h.say("!imagine a red fox")
            let limited = await h.lastLine
            #expect(limited.hasPrefix("alice: The image service is rate limiting us; try again"), "\(limited)")
            await h.sim.controls.failRequests(fraction: 1, statuses: [502])
            await h.say("!imagine a red fox")
            // A 5xx on a submit proves nothing: the job may have started (its intent stays open).
            #expect(await h.lastLine == "alice: The image service did not confirm the job (HTTP 502); it may still have started — if it did, I'll post the result here.")
            await h.sim.controls.failRequests(fraction: 0)

            // An outage while tasks run: polls fail quietly, results come when it is over.
            await h.say("!imagine a blue whale")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.sim.controls.setOutage(true)
            let before = await h.lines.count
            h.clock.advance(by: 5)
            await h.poll()
            await h.say("!status \(ref)")
            #expect(await h.lines(after: before) == ["alice: The image service had an internal error (HTTP 502); try again later."])
            await h.sim.controls.setOutage(false)
            await h.finishJobs()
            h.clock.advance(by: 5)
            await h.poll()
            #expect(await h.results(for: ref).count == 1)
        }
    }

    @Test func statusFetchesAResultThatCameAfterTheDeadline() async throws {
        // Polling only: after the timeout nobody polls the task; !status asks the proxy.
        let timing = SimulatorTiming(startDelay: .milliseconds(1), progressSteps: [25, 50, 75], stepInterval: .milliseconds(1),
                                     executionTimeout: nil)
        try await BridgeHarness.with(timing: timing, callbacks: false, bridge: { $0.taskDeadline = 60 }) { h in
            await h.sim.controls.stick(atPercent: 0)
            await h.say("!imagine a sleepy fox")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.sim.runUntilIdle()
            h.clock.advance(by: 60)
            await h.poll()
            #expect(await h.lastLine.hasPrefix("alice: ⏱ «a sleepy fox» got no result within 1 min · ref \(ref)"))
            await h.say("!status")
            #expect(await h.lastLine == "alice: ref \(ref) «a sleepy fox»: ⏱ submitted")
            await h.sim.controls.stick(atPercent: nil)
            await h.sim.runUntilIdle()
            let before = await h.lines.count
            await h.say("!status \(ref)")
            let said = await h.lines(after: before)
            #expect(said.count == 1 && said[0].hasPrefix("alice: ✅ «a sleepy fox» → "), "\(said)")
            await h.say("!status \(ref)")
            #expect(await h.lastLine.hasPrefix("alice: ref \(ref) «a sleepy fox»: ✅ → "))
        }
    }

    @Test func aSubmitThatTimedOutIsStillDeliveredThroughItsState() async throws {
        // 5 s: the simulator must have taken the job before the client gives up, even on a
        // loaded machine; the slow answer (30 s) stays far beyond it.
        try await BridgeHarness.with(requestTimeout: .seconds(5)) { h in
            // The proxy takes the job but answers far too late for the client.
            await h.sim.controls.slowResponses(.seconds(30))
            await h.say("!imagine a patient fox")
            #expect(await h.lastLine == "alice: The image service did not confirm the job (no answer in time); it may still have started — if it did, I'll post the result here.")
            await h.sim.controls.slowResponses(.zero)
            await h.finishJobs()
            // The callback carries the route in `state`: the result still reaches alice, once.
            let result = await h.lastLine
            #expect(result.hasPrefix("alice: ✅ «a patient fox") && result.contains(" → "), "\(result)")
            let ref = try #require(BridgeHarness.ref(in: result))
            #expect(await h.results(for: ref).count == 1)
            await h.say("!tasks")
            #expect(await h.lastLine.hasPrefix("alice: Your tasks here: \(ref) «a patient fox"))
        }
    }

    @Test func aStuckTaskTimesOutAtTheDeadline() async throws {
        let timing = SimulatorTiming(startDelay: .milliseconds(1), progressSteps: [15, 31, 46, 62, 78, 93],
                                     stepInterval: .milliseconds(1), executionTimeout: nil)
        try await BridgeHarness.with(timing: timing, bridge: { $0.taskDeadline = 120 }) { h in
            await h.sim.controls.stick(atPercent: 46)
            await h.say("!imagine a stuck fox")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.finishJobs()
            await h.say("!status")
            #expect(await h.lastLine == "alice: ref \(ref) «a stuck fox»: ⏳ 46 %")

            h.clock.advance(by: 119)
            await h.poll()
            #expect(await h.results(for: ref).isEmpty)
            h.clock.advance(by: 1)
            await h.poll()
            #expect(await h.results(for: ref)
                    == ["alice: ⏱ «a stuck fox» got no result within 2 min (last seen at 46 %) · ref \(ref) — !status \(ref) checks again"])
            h.clock.advance(by: 60)
            await h.poll()
            #expect(await h.results(for: ref).count == 1)

            // The proxy finishes after all: the late result is still said, once.
            await h.sim.controls.stick(atPercent: nil)
            await h.finishJobs()
            h.clock.advance(by: 60)
            await h.poll()
            await h.say("!status \(ref)")
            let all = await h.lines
            #expect(all.filter { $0.hasPrefix("alice: ✅ «a stuck fox» → ") }.count == 1, "\(all)")
            #expect(all.last?.hasPrefix("alice: ref \(ref) «a stuck fox»: ✅ → ") == true, "\(all)")
        }
    }
}
