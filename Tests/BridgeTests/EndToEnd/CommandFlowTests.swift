import Foundation
import Logging
import MidjourneyAPI
import MidjourneySimulator
import Store
import Testing
@testable import Bridge

/// Each command of issue 4 through a real ChatBridge, SQLiteStore, HTTP client and simulator.
@Suite struct CommandFlowTests {
    @Test func imagineAcknowledgesThenPostsTheLinkAndTheNextActions() async throws {
        try await BridgeHarness.with { h in
            await h.say("!imagine a red fox in snow —ar 16:9")
            let ack = await h.lastLine
            #expect(ack.hasPrefix("alice: ⏳ «a red fox in snow --ar 16:9» — ref "))
            #expect(ack.hasSuffix(". I'll post the result here."))
            let ref = try #require(BridgeHarness.ref(in: ack))
            #expect(ref.count >= 4)

            await h.finishJobs()
            let results = await h.results(for: ref)
            #expect(results.count == 1)
            let result = try #require(results.first)
            #expect(result.hasPrefix("alice: ✅ «a red fox in snow --ar 16:9» → \(h.sim.baseURL)/attachments/"))
            // The proxy (trueai) also listed the grid's four single images: their links are long,
            // so they follow the next actions, labelled 1–4 (issue 7).
            #expect(result.contains("· ref \(ref) · next: !u1–4 !v1–4 !reroll · 1\u{00A0}\(h.sim.baseURL)/attachments/"), "\(result)")
            #expect(result.range(of: " · 4\u{00A0}\\S+_4\\.png\\?\\S+$", options: .regularExpression) != nil, "\(result)")
            // The link really serves the image.
            let link = try #require(BridgeHarness.link(in: result))
            #expect(try await h.fetcher.dataURL(for: link).hasPrefix("data:image/png;base64,"))
        }
    }

    @Test func upscaleWithAndWithoutAReference() async throws {
        try await BridgeHarness.with { h in
            let first = try await h.imagined("a red fox")
            let second = try await h.imagined("a blue whale")

            // Without a reference: the caller's newest grid.
            var before = await h.lines.count
            await h.say("!u2")
            let ack = try #require(await h.lines(after: before).first)
            #expect(ack.contains("u2 of «a blue whale»"))
            let upscaleRef = try #require(BridgeHarness.ref(in: ack))
            await h.finishJobs()
            let upscaled = try #require(await h.results(for: upscaleRef).first)
            #expect(upscaled.contains("✅ u2 of «a blue whale» → "))
            #expect(upscaled.contains("next: !upscale subtle|creative !vary subtle|strong !region !zoom 2x|1.5x|<1–2> !pan left|right|up|down"))

            // With one: the older grid.
            before = await h.lines.count
            await h.say("!u2 \(first)")
            let ack2 = try #require(await h.lines(after: before).first)
            #expect(ack2.contains("u2 of «a red fox»"))
            await h.finishJobs()
            #expect(await h.results(for: try #require(BridgeHarness.ref(in: ack2))).count == 1)

            // Someone else has no grid here.
            await h.say("!u2", as: "bob")
            #expect(await h.lastLine == "bob: You have no task here offering U2; add a ref (see !tasks).")
            _ = second
        }
    }

    @Test func customZoomGoesThroughTheModal() async throws {
        try await BridgeHarness.with { h in
            _ = try await h.imagined("a red fox")
            await h.say("!u1")
            let upscaleRef = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.finishJobs()
            #expect(await h.results(for: upscaleRef).count == 1)

            let before = await h.lines.count
            await h.say("!zoom 1.8 a wider snowy forest")
            let ack = try #require(await h.lines(after: before).first)
            #expect(ack.contains("⏳ zoom 1.8 of «a wider snowy forest --zoom 1.8» — ref "), "\(ack)")
            let zoomRef = try #require(BridgeHarness.ref(in: ack))
            await h.finishJobs()
            let result = try #require(await h.results(for: zoomRef).first)
            #expect(result.contains("✅ zoom 1.8 of «a wider snowy forest --zoom 1.8» → "), "\(result)")

            // What the proxy got: the prompt with the factor, confirmed through /submit/modal.
            let zoomId = try #require(try await h.taskId(ref: zoomRef))
            let json = try #require(await h.sim.controls.taskJSON(zoomId))
            #expect(json.contains("--zoom 1.8"))

            // Out of range → one sentence, nothing submitted.
            await h.say("!zoom 2.5")
            #expect(await h.lastLine == "alice: Zoom takes 1.5x, 2x, or a custom factor from 1.0 to 2.0 (e.g. !zoom 1.3).")
        }
    }

    @Test func describeThenPick() async throws {
        try await BridgeHarness.with { h in
            let ref = try await h.imagined("a lighthouse at dusk")
            let link = try await h.link(of: ref)

            var before = await h.lines.count
            await h.say("!describe \(link)")
            let ack = try #require(await h.lines(after: before).first)
            #expect(ack.contains("⏳ describe — ref "))
            let describeRef = try #require(BridgeHarness.ref(in: ack))
            before = await h.lines.count
            await h.finishJobs()
            let said = await h.lines(after: before)
            #expect(said.count == 5, "\(said)")
            #expect(said.first?.hasPrefix("alice: ✅ 4 prompts for your image · ref \(describeRef) · next: !pick 1–4") == true)
            for n in 1...4 { #expect(said.dropFirst(n).first?.hasPrefix("alice: \(n). ") == true) }
            let second = String(try #require(said.dropFirst(2).first).dropFirst("alice: 2. ".count))

            before = await h.lines.count
            await h.say("!pick 2")
            let pickAck = try #require(await h.lines(after: before).first)
            #expect(pickAck.contains("⏳ «"), "\(pickAck)")
            let pickRef = try #require(BridgeHarness.ref(in: pickAck))
            await h.finishJobs()
            let result = try #require(await h.results(for: pickRef).first)
            #expect(result.contains("✅ «\(ChatText.truncated(second, to: 80))» → "), "\(result) vs \(second)")
        }
    }

    @Test func blendAndFaceswapDownloadTheImages() async throws {
        try await BridgeHarness.with { h in
            let a = try await h.imagined("a red fox")
            let b = try await h.imagined("a blue whale")
            let linkA = try await h.link(of: a)
            let linkB = try await h.link(of: b)

            await h.say("!blend \(linkA) \(linkB) --landscape")
            let blendRef = try #require(BridgeHarness.ref(in: await h.lastLine))
            #expect(await h.lastLine.contains("⏳ «2 images» — ref"))
            await h.finishJobs()
            #expect(try #require(await h.results(for: blendRef).first).contains("✅ «2 images» → "))

            await h.say("!faceswap \(linkA) \(linkB)")
            let swapRef = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.finishJobs()
            #expect(try #require(await h.results(for: swapRef).first).contains("✅ faceswap → "))

            await h.say("!blend \(linkA)")
            #expect(await h.lastLine == "alice: Blend takes 2 to 5 images, links or refs (you gave 1).")
            await h.say("!blend \(linkA) file:///etc/passwd")
            #expect(await h.lastLine == "alice: Image 2: that link can't be used: only http and https links work.")
            // The harness allows loopback (the simulator's links), nothing else that is private;
            // the user hears the class, never the address or the error.
            await h.say("!describe http://169.254.169.254/latest/meta-data/")
            #expect(await h.lastLine == "alice: That link can't be used: it points to a private address.")
        }
    }

    @Test func seedStatusTasksAndCancel() async throws {
        try await BridgeHarness.with { h in
            let done = try await h.imagined("a red fox")
            await h.say("!seed")
            let seed = await h.lastLine
            #expect(seed.range(of: #"^alice: 🌱 seed of ref \#(done): \d+$"#, options: .regularExpression) != nil, "\(seed)")

            await h.say("!imagine a slow snail")
            let running = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.say("!status \(running)")
            #expect(await h.lastLine == "alice: ref \(running) «a slow snail»: ⏳ waiting")
            await h.say("!status \(done)")
            #expect(await h.lastLine.hasPrefix("alice: ref \(done) «a red fox»: ✅ → \(h.sim.baseURL)/attachments/"))

            await h.say("!tasks")
            #expect(await h.lastLine == "alice: Your tasks here: \(running) «a slow snail» ⏳ waiting · \(done) «a red fox» ✅")

            await h.say("!cancel", as: "bob")
            #expect(await h.lastLine == "bob: You have no task here still running; add a ref (see !tasks).")
            await h.say("!status", as: "bob")
            #expect(await h.lastLine == "bob: You have no tasks here yet.")
            await h.say("!tasks", as: "bob")
            #expect(await h.lastLine == "bob: You have no tasks here yet.")
            await h.say("!status 99999999", as: "bob")
            #expect(await h.lastLine == "bob: I know no task 99999999 here.")
            await h.say("!cancel \(running)", as: "bob")
            #expect(await h.lastLine == "bob: Only the one who started ref \(running) (or an admin) can cancel it.")
            let before = await h.lines.count
            await h.say("!cancel")
            let said = await h.lines(after: before)
            #expect(said == ["alice: Cancelling ref \(running).", "alice: 🚫 «a slow snail» was cancelled · ref \(running)"])
            await h.finishJobs()
            #expect(await h.results(for: running).count == 1)
            await h.say("!cancel \(running)")
            #expect(await h.lastLine == "alice: ref \(running) has already finished.")
        }
    }

    @Test func cancellingWhatTheProxyAlreadyFinishedGivesTheResult() async throws {
        try await BridgeHarness.with { h in
            await h.sim.controls.dropCallbacks(fraction: 1)
            await h.say("!imagine a quick fox")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.finishJobs() // done at the proxy; the bot has not heard yet
            let before = await h.lines.count
            await h.say("!cancel")
            let said = await h.lines(after: before)
            #expect(said.count == 2, "\(said)")
            #expect(said.first == "alice: ref \(ref) has already finished.")
            #expect(said.last?.hasPrefix("alice: ✅ «a quick fox» → ") == true, "\(said)")
            h.clock.advance(by: 5)
            await h.poll()
            #expect(await h.results(for: ref).count == 1)
        }
    }

    @Test func anAdminMayCancelAnyonesTask() async throws {
        try await BridgeHarness.with { h in
            await h.say("!imagine a long job")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.say("!cancel \(ref)", as: "mallory", account: "mallory")
            #expect(await h.lastLine == "mallory: Only the one who started ref \(ref) (or an admin) can cancel it.")
            await h.say("!cancel \(ref)", as: "Root_", account: "ROOT")
            #expect(await h.results(for: ref) == ["alice: 🚫 «a long job» was cancelled · ref \(ref)"])
        }
    }

    @Test func hostileProxyTextNeverReachesALineUnsanitized() async throws {
        try await BridgeHarness.with { h in
            let grid = try await h.imagined("a red fox")
            await h.say("!describe \(try await h.link(of: grid))")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            let id = try #require(try await h.taskId(ref: ref))
            // A proxy (or whatever sits in front of it) answering a poll with control characters.
            let forged = #"""
            {"id":"\#(id)","action":"DESCRIBE","status":"SUCCESS","progress":"100%",
             "imageUrl":"http://x/y.png\r\nQUIT :bye\u0003",
             "buttons":[{"customId":"MJ::Job::PicReader::1","label":"\u0002bold\r\nJOIN #x","emoji":"1️⃣"}],
             "properties":{"finalPrompt":"1️⃣ a cat\u0003 4in\u0000 a hat\r\n\r\n2️⃣ \u001fsecond\u000f prompt"}}
            """#
            #expect(await h.bridge.tracker.apply(TaskSnapshot(try MJTask.decode(Data(forged.utf8)))) == .applied)
            await h.say("!btn 9 \(ref)")
            await h.say("!status \(ref)")
            let lines = await h.lines
            for line in lines {
                let bad = line.unicodeScalars.filter { $0.value < 0x20 }
                #expect(bad.isEmpty, "\(line.debugDescription)")
            }
            #expect(lines.contains("alice: 1. a cat 4in a hat"), "\(lines)")
            #expect(lines.contains("alice: 2. second prompt"), "\(lines)")
            // Line breaks become spaces (words stay apart), formatting codes go.
            #expect(lines.contains { $0.contains("has no button \"9\"; it has: 1 bold  JOIN #x") }, "\(lines)")
        }
    }

    @Test func privateRequestsAreAnsweredInPrivate() async throws {
        try await BridgeHarness.with { h in
            await h.say("imagine a quiet harbour", in: nil)
            let ack = try #require(await h.transport.sent.last)
            #expect(ack.target == "alice")
            #expect(ack.text.hasPrefix("⏳ «a quiet harbour» — ref "))
            await h.finishJobs()
            let result = try #require(await h.transport.sent.last)
            #expect(result.target == "alice")
            #expect(result.text.hasPrefix("✅ «a quiet harbour» → "))
        }
    }

    @Test func hostilePromptsNeverReachALineUnsanitized() async throws {
        try await BridgeHarness.with { h in
            await h.say("!imagine a fox\u{3}4,5 red\u{2} bold\r\nQUIT :bye\u{0} end\u{1F}\u{16}")
            await h.sim.controls.failNextTasks(1, reason: "boom\r\nPRIVMSG #art :pwned\u{0}\u{3}4")
            await h.say("!imagine another\nJOIN #evil")
            await h.finishJobs()
            await h.say("!tasks")
            let lines = await h.lines
            #expect(lines.count == 5, "\(lines)")
            for line in lines {
                let bad = line.unicodeScalars.filter { [0x00, 0x0A, 0x0D, 0x02, 0x03, 0x16, 0x1F].contains($0.value) }
                #expect(bad.isEmpty, "\(line.debugDescription)")
            }
            #expect(lines.contains { $0.contains("❌ «anotherJOIN #evil» failed: boom PRIVMSG #art :pwned · ref") }, "\(lines)")
            #expect(lines.contains { $0.contains("✅ «a fox red boldQUIT :bye end» → ") }, "\(lines)")
        }
    }

    @Test(arguments: [SimulatorFlavor.trueai, .novicezk])
    func theWholeFlowOnBothProxyFlavours(_ flavor: SimulatorFlavor) async throws {
        try await BridgeHarness.with(flavor: flavor) { h in
            let grid = try await h.imagined("a red fox")

            // Each step: the ack has a ref, the result line comes once and is a success.
            func step(_ command: String, expecting subject: String) async throws {
                let before = await h.lines.count
                await h.say(command)
                let ack = try #require(await h.lines(after: before).first)
                let ref = try #require(BridgeHarness.ref(in: ack), "\(flavor) \(command): \(ack)")
                await h.finishJobs()
                let results = await h.results(for: ref)
                #expect(results.count == 1 && results[0].contains("✅ \(subject)"), "\(flavor) \(command): \(results)")
            }
            try await step("!u2", expecting: "u2 of «a red fox»")
            try await step("!zoom 1.5 a wider view", expecting: "zoom 1.5 of «a wider view --zoom 1.5»")
            try await step("!zoom 2x", expecting: "zoom 2x of «a red fox»")
            try await step("!pan left", expecting: "pan left of «a red fox»")
            try await step("!vary strong", expecting: "vary strong of «a red fox»")
            try await step("!upscale subtle", expecting: "upscale subtle of «a red fox»")
            try await step("!btn Vary (Subtle)", expecting: "Vary (Subtle) of «a red fox»")
            try await step("!region \(try await h.link(of: grid)) a small hat", expecting: "region of «a small hat»")
            try await step("!reroll \(grid)", expecting: "reroll of «a red fox»")
            try await step("!v3 \(grid)", expecting: "v3 of «a red fox»")
            try await step("!niji a girl reading", expecting: "«a girl reading»")
            let link = try await h.link(of: grid)
            try await step("!imagine \(link) a cat in that style", expecting: "«a cat in that style»")
            try await step("!describe \(link)", expecting: "4 prompts for your image")
            try await step("!pick 3", expecting: "«")

            await h.say("!imagine never mind")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.say("!cancel")
            await h.finishJobs()
            #expect(await h.results(for: ref) == ["alice: 🚫 «never mind» was cancelled · ref \(ref)"], "\(flavor)")
        }
    }

    @Test func imagineAllTracksEveryTaskItStarts() async throws {
        // Polling only: a task the bot did not record would never be heard of.
        try await BridgeHarness.with(callbacks: false) { h in
            await h.say("!imagine a lighthouse")
            h.clock.advance(by: 5)
            await h.finishJobs()
            await h.poll()
            let grid = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.say("!describe \(try await h.link(of: grid))")
            h.clock.advance(by: 5)
            await h.finishJobs()
            await h.poll()
            let prompts = Array(await h.lines.suffix(4)).map { String($0.drop(while: { $0 != "." }).dropFirst(2)) }
            #expect(prompts.count == 4)

            let before = await h.lines.count
            await h.say("!btn Imagine all")
            let acks = await h.lines(after: before)
            #expect(acks.count == 4, "\(acks)")
            let refs = acks.compactMap(BridgeHarness.ref(in:))
            #expect(Set(refs).count == 4)
            h.clock.advance(by: 5)
            await h.finishJobs()
            await h.poll()
            for (ref, prompt) in zip(refs, prompts) {
                let results = await h.results(for: ref)
                #expect(results.count == 1 && results[0].contains("✅ «\(ChatText.truncated(prompt, to: 80))» → "), "\(results)")
            }
        }
    }

    @Test(arguments: [SimulatorFlavor.novicezk, .trueai])
    func shortenThenPressAPromptButton(_ flavor: SimulatorFlavor) async throws {
        try await BridgeHarness.with(flavor: flavor) { h in
            await h.say("!shorten a very detailed painting of a red fox in deep snow at dawn")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            let before = await h.lines.count
            await h.finishJobs()
            let said = await h.lines(after: before)
            #expect(said.first?.hasPrefix("alice: ✅ shortened «a very detailed painting of a red fox in deep snow at dawn» · ref \(ref) · next: !btn") == true, "\(said)")
            #expect(said.contains("alice: Important tokens"), "\(said)")
            #expect(!said.contains { $0.contains("**") })

            await h.say("!btn 2 \(ref)")
            let answer = await h.lastLine
            if flavor == .novicezk {
                // PromptAnalyzer opens a window; it is confirmed with the pre-filled prompt.
                let pickRef = try #require(BridgeHarness.ref(in: answer), "\(answer)")
                #expect(answer.contains("⏳ «a very detailed painting of a red fox in deep"), "\(answer)")
                await h.finishJobs()
                let results = await h.results(for: pickRef)
                #expect(results.count == 1 && results[0].contains("✅ «a very detailed painting of a red fox in deep"), "\(results)")
            } else {
                #expect(answer.hasPrefix("alice: The image service rejected the request"), "\(answer)")
            }
        }
    }

    @Test func buttonsThatNeedInputPointToTheirCommand() async throws {
        try await BridgeHarness.with { h in
            _ = try await h.imagined("a red fox")
            await h.say("!u1")
            let upscale = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.finishJobs()
            await h.say("!btn Custom Zoom")
            #expect(await h.lastLine == "alice: That button needs a zoom factor: !zoom <1.0-2.0> \(upscale) [prompt].")
            await h.say("!btn Vary (Region) \(upscale)")
            #expect(await h.lastLine == "alice: That button needs a mask: !region <mask> \(upscale) [prompt].")
            await h.say("!btn Dance")
            #expect(await h.lastLine.hasPrefix("alice: ref \(upscale) has no button \"Dance\"; it has: 1 Upscale (Subtle), 2 Upscale (Creative)"))
        }
    }

    @Test func speedModePathsReachTheProxy() async throws {
        try await BridgeHarness.with(bridge: { $0.speedModeRouting = .path }) { h in
            // The App builds one client per mode path; here the same way, over HTTP.
            let relax = try MidjourneyClient(
                configuration: MidjourneyConfiguration(baseURL: h.sim.baseURL + "/mj-relax", apiKey: "sk-test-secret-4242"),
                httpClient: MidjourneyClient.sharedHTTPClient)
            var logger = Logger(label: "bridge-e2e")
            logger.logLevel = .critical
            let bridge = ChatBridge(configuration: h.configuration, client: h.client, store: h.store, transport: h.transport,
                                imageFetcher: h.fetcher, modeClients: [.relax: relax], clock: h.clock.bridgeClock, logger: logger)
            await bridge.handle(ChatEvent(network: BridgeHarness.network, target: .channel(BridgeHarness.channel),
                                          sender: "alice", text: "!imagine a slow fox --relax"))
            // This bridge's own delivery worker says the acknowledgement.
            await bridge.deliverySettled()
            await bridge.shutdown()
            let ack = await h.lastLine
            #expect(ack.contains("«a slow fox»"), "\(ack)")
            let ref = try #require(BridgeHarness.ref(in: ack))
            let id = try #require(try await h.taskId(ref: ref))
            let json = try #require(await h.sim.controls.taskJSON(id))
            #expect(json.contains(#""mode":"RELAX""#), "\(json)")
        }
    }
}

extension BridgeHarness {
    /// The full task id behind a short reference in the harness channel.
    func taskId(ref: String, nick: String = "alice") async throws -> String? {
        let route = TaskRoute(network: BridgeHarness.network, channel: BridgeHarness.channel, nick: nick)
        if case .found(let task) = try await store.resolveReference(ref, scopeKey: route.scopeKey, network: BridgeHarness.network) {
            return task.id
        }
        return nil
    }
}
