import Foundation
import MidjourneySimulator
import Store
import Testing
@testable import Bridge

/// Results mirrored before their line, through a real ChatBridge, SQLite, HTTP client and
/// simulator (signed, expiring links), with the tests' in-memory `ResultImageHost` that really
/// downloads the proxy's links (the real host is the App's; see `InMemoryResultImageHost`).
@Suite struct ImageMirrorFlowTests {
    static let base = InMemoryResultImageHost.base
    static let nb = "\u{00A0}"

    /// Alice's task whose short reference is `ref`.
    static func task(_ h: BridgeHarness, _ ref: String) async throws -> TaskRecord {
        let route = TaskRoute(network: BridgeHarness.network, channel: BridgeHarness.channel, nick: "alice")
        return try #require(try await h.store.tasks(of: route, limit: 20).first { $0.id.hasSuffix(ref) })
    }

    static func withHost(flavor: SimulatorFlavor = .trueai, _ body: (BridgeHarness, InMemoryResultImageHost) async throws -> Void) async throws {
        let host = InMemoryResultImageHost(fetcher: try LoopbackImageFetcher())
        try await BridgeHarness.with(flavor: flavor, imageHost: host) { h in try await body(h, host) }
    }

    @Test func aGridIsPostedWithItsFiveShortLinksAndAnUpscaleWithOne() async throws {
        try await Self.withHost { h, host in
            let ref = try await h.imagined("a red fox")
            let result = try #require(await h.results(for: ref).first)
            let id = try await Self.task(h, ref).id
            let b = Self.base
            #expect(result == "alice: ✅ «a red fox» → \(b)\(id).png · 1\(Self.nb)\(b)\(id)-1.png · 2\(Self.nb)\(b)\(id)-2.png"
                    + " · 3\(Self.nb)\(b)\(id)-3.png · 4\(Self.nb)\(b)\(id)-4.png · ref \(ref) · next: !u1–4 !v1–4 !reroll")
            // What the host keeps are the proxy's images, the grid and four singles, read while the links were valid.
            for index in [nil, 1, 2, 3, 4] as [Int?] {
                #expect(await host.mirroredImage(forTask: id, index: index)?.hasPrefix("data:image/png;base64,") == true)
            }
            let single1 = await host.mirroredImage(forTask: id, index: 1)
            let single2 = await host.mirroredImage(forTask: id, index: 2)
            #expect(single1 != single2)

            // !status and !tasks give the short links.
            await h.say("!status \(ref)")
            #expect(await h.lastLine == "alice: ref \(ref) «a red fox»: ✅ → \(b)\(id).png · 1\(Self.nb)\(b)\(id)-1.png"
                    + " · 2\(Self.nb)\(b)\(id)-2.png · 3\(Self.nb)\(b)\(id)-3.png · 4\(Self.nb)\(b)\(id)-4.png")
            await h.say("!tasks")
            #expect(await h.lastLine == "alice: Your tasks here: \(ref) «a red fox» ✅ → \(b)\(id).png")

            // An upscale: its one image, no singles.
            let before = await h.lines.count
            await h.say("!u2 \(ref)")
            let upAck = try #require(await h.lines(after: before).first)
            let upRef = try #require(BridgeHarness.ref(in: upAck))
            await h.finishJobs()
            let upscaled = try #require(await h.results(for: upRef).first)
            #expect(upscaled.contains("✅ u2 of «a red fox» → \(b)"))
            #expect(upscaled.components(separatedBy: "https://").count == 2, "\(upscaled)")
            #expect(await h.results(for: upRef).count == 1)
        }
    }

    @Test func aDescribeLinksNothingAndIsNotMirrored() async throws {
        try await Self.withHost { h, host in
            let ref = try await h.imagined("a lighthouse")
            let callsBefore = await host.calls.count
            let before = await h.lines.count
            // The proxy's own link (still valid): the short one is not for fetching by the proxy.
            let grid = try #require(try await Self.task(h, ref).imageUrl)
            await h.say("!describe \(grid)")
            await h.finishJobs()
            let said = await h.lines(after: before)
            let line = try #require(said.first { $0.contains("prompts for your image") })
            #expect(!said.joined().contains("https://"), "\(said)")
            #expect(!line.isEmpty)
            #expect(await host.calls.count == callsBefore)
        }
    }

    /// The proxy's image host is down when the result arrives: the proxy's links are posted,
    /// once; the host mirrors it later in the background, and `!status` then gives the short link.
    @Test func aFailedMirrorPostsTheProxysLinksOnceAndStatusGivesTheShortOneLater() async throws {
        try await Self.withHost { h, host in
            await host.setDown(true)
            let before = await h.lines.count
            await h.say("!imagine a storm at sea")
            let ack = try #require(await h.lines(after: before).first)
            let ref = try #require(BridgeHarness.ref(in: ack))
            await h.finishJobs()
            // Seen again by a poll: still one line.
            await h.poll()
            let results = await h.results(for: ref)
            #expect(results.count == 1)
            let result = try #require(results.first)
            #expect(result.contains("→ \(h.sim.baseURL)/attachments/"))
            #expect(!result.contains(Self.base))
            // All five of the proxy's links, the singles after the next actions (they are long).
            #expect(result.contains("· ref \(ref) · next: !u1–4 !v1–4 !reroll · 1\(Self.nb)\(h.sim.baseURL)/attachments/"), "\(result)")
            #expect(result.contains(" · 4\(Self.nb)\(h.sim.baseURL)/attachments/"))

            await h.say("!status \(ref)")
            #expect(await h.lastLine.hasPrefix("alice: ref \(ref) «a storm at sea»: ✅ → \(h.sim.baseURL)/attachments/"))

            await host.setDown(false)
            await host.retryFailed()
            await h.say("!status \(ref)")
            let status = await h.lastLine
            #expect(status.hasPrefix("alice: ref \(ref) «a storm at sea»: ✅ → \(Self.base)"), "\(status)")
            // The result line itself was said once (the `!status` answers carry ✅ and the ref too).
            #expect(await h.lines.filter { $0.hasPrefix("alice: ✅") && $0.contains("ref \(ref)") }.count == 1)
        }
    }

    /// A proxy without single images (novicezk): the grid's one short link.
    @Test func aGridWithoutSinglesGetsOneShortLink() async throws {
        try await Self.withHost(flavor: .novicezk) { h, _ in
            let ref = try await h.imagined("a quiet pond")
            let result = try #require(await h.results(for: ref).first)
            #expect(result.hasPrefix("alice: ✅ «a quiet pond» → \(Self.base)"))
            #expect(result.hasSuffix(".png · ref \(ref) · next: !u1–4 !v1–4 !reroll"))
        }
    }

    /// The short link outlives the proxy's: after the proxy's links expired and after a
    /// restart, the host still has the same bytes the proxy served.
    @Test func theMirroredCopyOutlivesTheProxysLinkAndARestart() async throws {
        try await Self.withHost { h, host in
            let ref = try await h.imagined("a red fox")
            let proxyLink = try await Self.task(h, ref)
            let served = try await h.fetcher.dataURL(for: try #require(proxyLink.imageUrl))
            await h.sim.controls.expireImageLinksNow()
            try await h.restart()
            await h.say("!status \(ref)")
            #expect(await h.lastLine.contains("✅ → \(Self.base)\(proxyLink.id).png"))
            #expect(await host.mirroredImage(forTask: proxyLink.id, index: nil) == served)
        }
    }

    /// Review finding 7: `!status` runs in one of the transport's few command slots, so it does
    /// not wait for a mirror (up to a minute): it answers at once, and the result line follows
    /// from the mirror job, once.
    @Test func statusDoesNotWaitForAMirror() async throws {
        try await Self.withHost { h, host in
            let before = await h.lines.count
            await h.say("!imagine a held fox")
            let ack = try #require(await h.lines(after: before).first)
            let ref = try #require(BridgeHarness.ref(in: ack))
            let id = try await Self.task(h, ref).id
            await host.hold(id)
            // The proxy finishes; the bot has not heard (no callback handed over, no poll).
            await h.sim.runUntilIdle()
            let asking = Task { await h.say("!status \(ref)") }
            defer { asking.cancel() }
            #expect(await h.transport.waitUntil { $0.contains { $0.text.contains("ref \(ref) «a held fox»: ✅ finished, its result line follows") } })
            // Answered while the download still hangs.
            #expect(await host.started.contains(id))
            #expect(await h.bridge.tracker.isMirroring(id))
            await host.release(id)
            await asking.value
            await h.bridge.tracker.mirrorsSettled()
            await h.bridge.deliverySettled()
            let said = await h.lines.filter { $0.hasPrefix("alice: ✅") && $0.contains("ref \(ref)") }
            #expect(said.count == 1)
            #expect(said.first?.contains("→ \(Self.base)\(id).png") == true, "\(said)")
        }
    }
}
