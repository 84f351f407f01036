import Foundation
import Logging
import MidjourneySimulator
import Store
import Testing
@testable import Bridge

/// Task refs as image inputs (issue 7) through a real ChatBridge, SQLite file, HTTP client and
/// simulator: every command that takes an image, the bot's mirrored copy when it has one, the
/// proxy's link downloaded through the guarded fetcher when not, and each refusal — after which
/// nothing reached the proxy and nothing was charged.
@Suite struct ImageReferenceFlowTests {
    /// Two 1×1 PNGs (red, blue): the "mirrored copies" an in-memory host hands out.
    static let redPNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
    static let bluePNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYPgPAAEDAQAIicLsAAAAAElFTkSuQmCC"

    /// The full task id behind a ref said in `channel` (nil: alice's private conversation).
    static func taskId(_ h: BridgeHarness, ref: String, nick: String = "alice", channel: String? = BridgeHarness.channel) async throws -> String {
        let route = TaskRoute(network: BridgeHarness.network, channel: channel, nick: nick)
        guard case .found(let task) = try await h.store.resolveReference(ref, scopeKey: route.scopeKey, network: BridgeHarness.network)
        else { throw ResolveFailure(ref: ref) }
        return task.id
    }

    struct ResolveFailure: Error { let ref: String }

    /// The images the simulator was given for a task (its uploads, linked in the task's prompt),
    /// downloaded again: the base64 payloads, in order.
    static func uploads(_ h: BridgeHarness, ref: String) async throws -> [String] {
        let id = try await taskId(h, ref: ref)
        let json = try #require(await h.sim.controls.taskJSON(id)).replacingOccurrences(of: "\\/", with: "/")
        var links: [String] = []
        // `prompt` and `promptEn` may both name them: each once, in order.
        for match in json.matches(of: #/<(http[^>]+)>/#) where !links.contains(String(match.output.1)) {
            links.append(String(match.output.1))
        }
        var payloads: [String] = []
        for link in links {
            payloads.append(payload(try await h.fetcher.dataURL(for: link)))
        }
        return payloads
    }

    static func payload(_ dataURL: String) -> String {
        String(dataURL.drop(while: { $0 != "," }).dropFirst())
    }

    /// The first line said after `before` lines, and its ref.
    static func acknowledgement(_ h: BridgeHarness, after before: Int) async throws -> (line: String, ref: String) {
        let line = try #require(await h.lines(after: before).first, "no answer")
        return (line, try #require(BridgeHarness.ref(in: line), "no ref in \(line)"))
    }

    // MARK: Without a mirrored copy: the proxy's link, downloaded like a user's

    @Test func everyCommandTakesARefAndDownloadsTheProxyLink() async throws {
        try await BridgeHarness.with { h in
            let fox = try await h.imagined("a red fox")
            let whale = try await h.imagined("a blue whale")
            let foxBytes = Self.payload(try await h.fetcher.dataURL(for: try await h.link(of: fox)))
            let whaleBytes = Self.payload(try await h.fetcher.dataURL(for: try await h.link(of: whale)))
            #expect(foxBytes != whaleBytes)

            // !blend with bare refs: the proxy got exactly the two results' images.
            var before = await h.lines.count
            await h.say("!blend \(fox) \(whale) --square")
            let blend = try await Self.acknowledgement(h, after: before)
            #expect(blend.line.contains("⏳ «2 images» — ref"), "\(blend.line)")
            await h.finishJobs()
            #expect(try #require(await h.results(for: blend.ref).first).contains("✅ «2 images» → "))
            #expect(try await Self.uploads(h, ref: blend.ref) == [foxBytes, whaleBytes])

            // !describe, bare and with ref:
            for form in [fox, "ref:\(fox)", "REF:\(whale)"] {
                before = await h.lines.count
                await h.say("!describe \(form)")
                let described = try await Self.acknowledgement(h, after: before)
                #expect(described.line.contains("⏳ describe — ref "), "\(form): \(described.line)")
                await h.finishJobs()
                #expect(try #require(await h.results(for: described.ref).first).contains("4 prompts for your image"))
            }

            // !faceswap, a ref and a link mixed.
            before = await h.lines.count
            await h.say("!faceswap \(fox) \(try await h.link(of: whale))")
            let swap = try await Self.acknowledgement(h, after: before)
            await h.finishJobs()
            #expect(try #require(await h.results(for: swap.ref).first).contains("✅ faceswap → "))

            // !imagine: ref: is an image prompt; a bare number is the user's words.
            before = await h.lines.count
            await h.say("!imagine ref:\(fox) a fox in the style of this")
            let styled = try await Self.acknowledgement(h, after: before)
            #expect(styled.line.contains("«a fox in the style of this»"), "\(styled.line)")
            #expect(try await Self.uploads(h, ref: styled.ref) == [foxBytes])
            before = await h.lines.count
            await h.say("!imagine \(fox) foxes")
            let words = try await Self.acknowledgement(h, after: before)
            #expect(words.line.contains("«\(fox) foxes»"), "\(words.line)")
            #expect(try await Self.uploads(h, ref: words.ref).isEmpty)
            await h.finishJobs()

            // !region: the mask may be a ref (first word), the parent a ref as usual.
            before = await h.lines.count
            await h.say("!u1 \(fox)")
            let upscale = try await Self.acknowledgement(h, after: before)
            await h.finishJobs()
            before = await h.lines.count
            await h.say("!region \(whale) \(upscale.ref) a small hat")
            let region = try await Self.acknowledgement(h, after: before)
            #expect(region.line.contains("region of «a small hat»"), "\(region.line)")
            await h.finishJobs()
            #expect(try #require(await h.results(for: region.ref).first).contains("✅"))

            // An upscale is one image: it works whole, and /n is refused.
            before = await h.lines.count
            await h.say("!describe \(upscale.ref)")
            #expect(try await Self.acknowledgement(h, after: before).line.contains("⏳ describe — ref "))
            await h.say("!describe \(upscale.ref)/2")
            #expect(await h.lastLine == "alice: ref \(upscale.ref) is a single image, not a grid: use it without /2.")
            // Without the bot's own copy, a grid's single images are not available.
            await h.say("!describe \(fox)/2")
            #expect(await h.lastLine
                == "alice: The single images of ref \(fox) are not kept here: !u2 \(fox) upscales image 2, then use that ref.")
        }
    }

    @Test func aRefWhoseProxyLinkDiedSaysSo() async throws {
        try await BridgeHarness.with { h in
            let fox = try await h.imagined("a red fox")
            let whale = try await h.imagined("a blue whale")
            await h.sim.controls.expireImageLinksNow()
            await h.say("!blend \(fox) \(whale)")
            let line = await h.lastLine
            #expect(line == "alice: Image 1: couldn't download the image of ref \(fox) from the image service (its link may have expired).", "\(line)")
            #expect(!line.contains("127.0.0.1"), "no address in \(line)")
        }
    }

    // MARK: With the bot's mirrored copy

    @Test func theMirroredCopyIsUsedAndNothingIsDownloaded() async throws {
        let host = PreloadedImageHost()
        try await BridgeHarness.with(imageHost: host) { h in
            let fox = try await h.imagined("a red fox")
            let whale = try await h.imagined("a blue whale")
            let lake = try await h.imagined("a quiet lake")
            let foxId = try await Self.taskId(h, ref: fox)
            let whaleId = try await Self.taskId(h, ref: whale)
            let lakeId = try await Self.taskId(h, ref: lake)
            host.put(taskId: foxId, dataURL: Self.redPNG)
            host.put(taskId: whaleId, index: 2, dataURL: Self.bluePNG)
            let lakeBytes = Self.payload(try await h.fetcher.dataURL(for: try await h.link(of: lake)))

            var before = await h.lines.count
            await h.say("!blend \(fox) \(whale)/2 --portrait")
            let blend = try await Self.acknowledgement(h, after: before)
            #expect(blend.line.contains("⏳ «2 images» — ref"), "\(blend.line)")
            #expect(try await Self.uploads(h, ref: blend.ref) == [Self.payload(Self.redPNG), Self.payload(Self.bluePNG)])
            #expect(host.questions == [.init(taskId: foxId, index: nil), .init(taskId: whaleId, index: 2)])

            // A task the host has no copy of falls back to its proxy link.
            before = await h.lines.count
            await h.say("!blend ref:\(fox) \(lake)")
            let mixed = try await Self.acknowledgement(h, after: before)
            #expect(try await Self.uploads(h, ref: mixed.ref) == [Self.payload(Self.redPNG), lakeBytes])
            #expect(host.questions.last == .init(taskId: lakeId, index: nil))

            // Once the proxy's links are dead, the copy still works and the fallback says why not.
            await h.sim.controls.expireImageLinksNow()
            before = await h.lines.count
            await h.say("!imagine ref:\(whale)/2 the same in winter")
            let styled = try await Self.acknowledgement(h, after: before)
            #expect(try await Self.uploads(h, ref: styled.ref) == [Self.payload(Self.bluePNG)])
            await h.say("!describe \(lake)")
            #expect(await h.lastLine == ("alice: Couldn't download the image of ref \(lake) from the image service (its link may have expired)."))
        }
    }

    /// A bot that downloads nothing (no fetcher): a ref's proxy link goes to the proxy as a link
    /// where the proxy takes links (describe, image prompts); the bot's copies still work.
    @Test func withoutAFetcherLinksGoAsLinksAndCopiesAsUploads() async throws {
        try await BridgeHarness.with { h in
            let fox = try await h.imagined("a red fox")
            let whale = try await h.imagined("a blue whale")
            let host = PreloadedImageHost()
            host.put(taskId: try await Self.taskId(h, ref: fox), dataURL: Self.redPNG)
            host.put(taskId: try await Self.taskId(h, ref: whale), dataURL: Self.bluePNG)
            let lake = try await h.imagined("a quiet lake")
            var logger = Logger(label: "bridge-e2e")
            logger.logLevel = .critical
            let bridge = ChatBridge(configuration: h.configuration, client: h.client, store: h.store, transport: h.transport,
                                    imageFetcher: nil, resultImageHost: host, clock: h.timers.bridgeClock(h.clock), logger: logger)
            func say(_ text: String) async -> String {
                await bridge.handle(BridgeHarness.event(text))
                await bridge.deliverySettled()
                return await h.lastLine
            }
            // The proxy is asked to describe the link itself (TrueAI takes `link`).
            let whaleCopyless = try await h.imagined("a grey whale")
            let describe = try #require(BridgeHarness.ref(in: await say("!describe \(whaleCopyless)")))
            let describedJSON = try #require(await h.sim.controls.taskJSON(try await Self.taskId(h, ref: describe)))
            #expect(describedJSON.replacingOccurrences(of: "\\/", with: "/").contains(try await h.link(of: whaleCopyless)))
            // An image prompt: the copy as an upload.
            let styled = try #require(BridgeHarness.ref(in: await say("!imagine ref:\(fox) a fox in this style")))
            #expect(try await Self.uploads(h, ref: styled) == [Self.payload(Self.redPNG)])
            // Without a copy, Midjourney reads the link at the start of the prompt.
            let linked = try #require(BridgeHarness.ref(in: await say("!imagine ref:\(whaleCopyless) the same at night")))
            let linkedJSON = try #require(await h.sim.controls.taskJSON(try await Self.taskId(h, ref: linked)))
            #expect(linkedJSON.replacingOccurrences(of: "\\/", with: "/").contains("\(try await h.link(of: whaleCopyless)) the same at night"))
            // Blend needs uploads: the copies work, a link the bot would have to download does not.
            let blend = try #require(BridgeHarness.ref(in: await say("!blend \(fox) \(whale)")))
            #expect(try await Self.uploads(h, ref: blend) == [Self.payload(Self.redPNG), Self.payload(Self.bluePNG)])
            #expect(await say("!blend \(fox) \(lake)") == "alice: This bot is not set up to download images.")
            await bridge.shutdown()
        }
    }

    // MARK: Refusals: nothing submitted, nothing charged

    @Test func refusedRefsSubmitAndChargeNothing() async throws {
        try await BridgeHarness.with(bridge: LimitFlowTests.limits { $0.dailyJobs = 50 }) { h in
            let fox = try await h.imagined("a red fox")
            // Someone else's task in another channel, and alice's private one.
            var before = await h.lines.count
            await h.say("!imagine a secret plan", as: "bob", account: "bob", in: "#other")
            let other = try await Self.acknowledgement(h, after: before).ref
            let otherId = try await Self.taskId(h, ref: other, nick: "bob", channel: "#other")
            before = await h.lines.count
            await h.say("!imagine my private idea", in: nil)
            let mine = try await Self.acknowledgement(h, after: before).ref
            // A describe, a failure, and one still waiting.
            before = await h.lines.count
            await h.say("!describe \(fox)")
            let described = try await Self.acknowledgement(h, after: before).ref
            await h.sim.controls.failNextTasks(1, reason: "Banned prompt")
            before = await h.lines.count
            await h.say("!imagine doomed")
            let failed = try await Self.acknowledgement(h, after: before).ref
            await h.finishJobs()
            before = await h.lines.count
            await h.say("!imagine not yet")
            let waiting = try await Self.acknowledgement(h, after: before).ref

            await h.say("!quota")
            let quota = await h.lastLine
            let created = await h.sim.controls.stats().tasksCreated
            let intents = try await h.store.openIntents(createdUpTo: h.clock.now).count

            let refusals: [(String, String)] = [
                ("!describe 99999", "alice: I know no task 99999 here."),
                ("!describe \(other)", "alice: ref \(other) is not from this conversation: only results asked for here can be used."),
                ("!describe \(otherId)", "alice: ref \(otherId) is not from this conversation: only results asked for here can be used."),
                ("!blend \(mine) \(fox)", "alice: Image 1: ref \(mine) is not from this conversation: only results asked for here can be used."),
                ("!blend \(fox) \(waiting)", "alice: Image 2: ref \(waiting) is not finished yet (waiting to start); use it once it is done."),
                ("!faceswap \(fox) \(failed)", "alice: Image 2: ref \(failed) failed, so it has no image."),
                ("!describe ref:\(described)", "alice: ref \(described) is a describe, which has no image."),
                ("!imagine ref:\(waiting) a fox", "alice: ref \(waiting) is not finished yet (waiting to start); use it once it is done."),
                ("!region \(failed) \(fox) a hat", "alice: ref \(failed) failed, so it has no image."),
            ]
            for (command, expected) in refusals {
                before = await h.lines.count
                await h.say(command)
                let answer = await h.lines(after: before)
                #expect(answer == [expected], "\(command)")
                #expect(!answer.joined().contains("secret plan"), "never another conversation's prompt")
            }
            // An admin gets no wider view for images: one conversation's result is not posted into another.
            await h.say("!describe \(otherId)", as: "root", account: "root")
            #expect(await h.lastLine == "root: ref \(otherId) is not from this conversation: only results asked for here can be used.")

            #expect(await h.sim.controls.stats().tasksCreated == created, "nothing reached the proxy")
            #expect(try await h.store.openIntents(createdUpTo: h.clock.now).count == intents, "no intent written")
            await h.say("!quota")
            #expect(await h.lastLine == quota, "nothing charged")

            // In private, alice's own channel result works (she may look at it there too).
            before = await h.lines.count
            await h.say("!describe \(fox)", in: nil)
            #expect(try await Self.acknowledgement(h, after: before).line.contains("⏳ describe — ref "))
            // Bob, in his channel, may use his own.
            before = await h.lines.count
            await h.say("!describe \(other)", as: "bob", account: "bob", in: "#other")
            #expect(try await Self.acknowledgement(h, after: before).line.contains("⏳ describe — ref "))
            await h.finishJobs()
        }
    }

    @Test func anAmbiguousRefListsTheCandidatesHereOnly() async throws {
        try await BridgeHarness.with { h in
            let now = h.clock.now
            func finished(_ id: String, _ prompt: String, channel: String) -> TaskRecord {
                let route = TaskRoute(network: BridgeHarness.network, channel: channel, nick: "alice")
                var task = TaskRecord(id: id, route: route, kind: "imagine", prompt: prompt, status: "SUCCESS",
                                      statusRank: 9, isTerminal: true, createdAt: now, deadline: now.addingTimeInterval(600))
                task.imageUrl = "\(h.sim.baseURL)/nothing-\(id).png"
                task.finishedAt = now
                return task
            }
            try await h.store.insertAll([
                finished("1748339029401828", "a cat", channel: BridgeHarness.channel),
                finished("1748339029411828", "a dog", channel: BridgeHarness.channel),
                finished("1748339029421828", "a hidden bird", channel: "#other"),
                finished("1748339029407777", "an owl", channel: BridgeHarness.channel),
                finished("1748339029427777", "a hidden mouse", channel: "#other"),
            ])
            await h.say("!describe 1828")
            let line = await h.lastLine
            #expect(line.hasPrefix("alice: ref 1828 fits 2 tasks here: "), "\(line)")
            #expect(line.contains("01828 «a cat»") && line.contains("11828 «a dog»") && line.hasSuffix("— give more digits."), "\(line)")
            #expect(!line.contains("bird"), "\(line)")
            // One here and one elsewhere: the one here, without a question (its link is dead: the
            // answer is about downloading it, so it was chosen).
            await h.say("!describe 7777")
            #expect(await h.lastLine == ("alice: Couldn't download the image of ref 7777 from the image service (its link may have expired)."))
        }
    }
}
