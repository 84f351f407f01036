import Bridge
import Foundation
import GuardedFetch
import ImageHosting
import Logging
import MidjourneyAPI
import MidjourneySimulator
import Store
import Testing
@testable import App

/// The App-level image host against real parts: the in-repo simulator over real HTTP (signed
/// links that expire), a real SQLite file, a real disk store, the bot's HTTP server.
@Suite struct HostedResultImagesTests {
    let logger = Logger(label: "test.images")

    /// A bot's worth of hosting on `directory`: catalog, blobs, host and `/i/` server.
    struct Bot {
        let store: SQLiteStore
        let blobs: DiskBlobStore
        let host: HostedResultImages
        let served: ServedImageLog
        let server: RouteServer
    }

    func startBot(_ directory: ImageTestDirectory, proxyBaseURL: String, retentionDays: Int = 30, maxStoreMB: Int = 2048,
                  retry: MirrorRetryPolicy = MirrorRetryPolicy(), now: @escaping @Sendable () -> Date = { Date() },
                  metrics: BotMetrics = BotMetrics()) async throws -> Bot {
        let store = try SQLiteStore.open(path: directory.databasePath)
        let blobs = try DiskBlobStore(directory: directory.storePath)
        let served = ServedImageLog()
        let server = try await RouteServer.start([ImageRoutes(store: store, blobs: blobs, served: served, now: now, logger: logger)])
        var images = ImageSettings()
        images.publicBaseURL = server.baseURL
        images.retentionDays = retentionDays
        images.maxStoreBytes = maxStoreMB * 1_000_000
        var settings = try #require(HostedResultImages.Settings(images, proxyBaseURL: proxyBaseURL))
        settings.retry = retry
        let host = try await HostedResultImages.make(settings: settings, store: store, blobs: blobs,
                                                     fetcher: try GuardedFetcher(policy: settings.fetchPolicy, logger: logger),
                                                     now: now, metrics: metrics, logger: logger)
        return Bot(store: store, blobs: blobs, host: host, served: served, server: server)
    }

    func task(_ id: String) -> TaskRecord {
        TaskRecord(id: id, route: TaskRoute(network: "net", channel: "#art", nick: "alice", account: "alice"), kind: "imagine",
                   prompt: "a red fox", status: "SUCCESS", statusRank: 9, isTerminal: true, createdAt: Date(), deadline: Date())
    }

    /// Done when: a result's short link still serves the same bytes after the proxy's link has
    /// expired, and after a bot restart.
    @Test func theShortLinkOutlivesTheProxysLinkAndARestart() async throws {
        // Links signed for 2 minutes, expired on cue below (`expireImageLinksNow`): a lifetime of a
        // few real seconds ran out under a loaded test run before the first download.
        let simulator = try await SimulatorServer.start(configuration: SimulatorConfiguration(
            flavor: .trueai, timing: .instant, clock: .realTime(), imageLinkLifetime: .seconds(120)))
        let client = try MidjourneyClient(configuration: MidjourneyConfiguration(baseURL: simulator.apiBaseURL),
                                          httpClient: MidjourneyClient.sharedHTTPClient)
        let id = try #require(try await client.imagine(ImagineRequest(prompt: "a red fox")).taskId)
        var finished: MJTask?
        try await waitUntil("the simulated job to finish") {
            finished = try await client.fetch(id: id)
            return finished?.imageUrl != nil
        }
        let proxyLink = try #require(finished?.imageUrl)
        #expect(LinkExpiry.of(proxyLink) != nil)
        let original = try await httpRequest(proxyLink)
        #expect(original.status == 200)

        let directory = try ImageTestDirectory()
        let metrics = BotMetrics()
        var bot = try await startBot(directory, proxyBaseURL: simulator.apiBaseURL, metrics: metrics)
        try await bot.store.insert(task(id))
        let ref = try await bot.store.shortReference(for: task(id))
        guard case .hosted(let links) = await bot.host.mirror(ResultImages(taskId: id, grid: proxyLink)) else {
            Issue.record("not hosted"); return
        }
        let link = try #require(links.grid)
        let name = String(link.split(separator: "/").last!)
        #expect(link == bot.server.baseURL + "/i/" + name)
        #expect(name.hasPrefix(ref + "-") && name.hasSuffix(".png") && ImageName(parsing: name) != nil)
        #expect(links.singles.isEmpty)
        #expect(await bot.host.hostedLinks(forTask: id) == links)
        // Mirroring again (a retried completion) changes nothing.
        #expect(await bot.host.mirror(ResultImages(taskId: id, grid: proxyLink)) == .hosted(links))
        #expect(metrics.prometheusText().contains("mjbridge_images_mirrored_bytes_total \(original.body.count)"))

        await simulator.controls.expireImageLinksNow()
        #expect(try await httpRequest(proxyLink).status == 403)
        let hosted = try await httpRequest(link)
        #expect(hosted.status == 200 && hosted.body == original.body && hosted.headers["content-type"] == "image/png")
        #expect(await bot.host.mirroredImage(forTask: id, index: nil) == "data:image/png;base64," + Data(original.body).base64EncodedString())
        #expect(await bot.host.mirroredImage(forTask: id, index: 1) == nil)

        // Restart: everything reopened from the files; same name, same bytes.
        await bot.server.stop()
        bot = try await startBot(directory, proxyBaseURL: simulator.apiBaseURL)
        let after = try #require(await bot.host.hostedLinks(forTask: id)?.grid)
        #expect(after == bot.server.baseURL + "/i/" + name)
        let again = try await httpRequest(after)
        #expect(again.status == 200 && again.body == original.body)
        await bot.server.stop()
        await simulator.shutdown()
    }

    /// The proxy's image host is down at completion: `.failed`, owed in the database; after a
    /// restart the background service mirrors it once the host is back.
    @Test func aFailedMirrorIsOwedAndDoneInTheBackgroundAfterARestart() async throws {
        let grid = pngBytes(1), single = pngBytes(2)
        let (imageHost, imageServer) = try await FlakyImageHost.start(images: ["grid.png": grid, "s1.png": single])
        let images = ResultImages(taskId: "1748339029405555", grid: imageServer.baseURL + "/img/grid.png",
                                  singles: [imageServer.baseURL + "/img/s1.png"])
        let directory = try ImageTestDirectory()
        // Whole seconds: the database keeps milliseconds.
        let time = TestTime(Date(timeIntervalSince1970: 1_800_000_000))
        let metrics = BotMetrics()
        var bot = try await startBot(directory, proxyBaseURL: imageServer.baseURL, retry: MirrorRetryPolicy(firstDelay: 30),
                                     now: time.closure, metrics: metrics)
        guard case .failed(let reason) = await bot.host.mirror(images) else { Issue.record("should fail"); return }
        #expect(reason.contains("503"))
        #expect(metrics.prometheusText().contains("mjbridge_images_mirror_failures_total 1"))
        #expect(await bot.host.hostedLinks(forTask: images.taskId) == nil)
        let owed = try #require(try await bot.store.owedMirror(taskId: images.taskId))
        #expect(owed.attempts == 1 && owed.nextAttemptAt == time.now.addingTimeInterval(30))

        // Not due yet: nothing tried. Due but still down: attempt 2, backed off.
        #expect(await bot.host.retryOwedMirrors() == 0)
        time.advance(by: 30)
        #expect(await bot.host.retryOwedMirrors() == 0)
        #expect(try await bot.store.owedMirror(taskId: images.taskId)?.attempts == 2)

        // Restart; the host comes back; the service's loop does the rest.
        await bot.server.stop()
        bot = try await startBot(directory, proxyBaseURL: imageServer.baseURL, now: time.closure)
        imageHost.up.withLock { $0 = true }
        time.advance(by: 3600)
        let service = ImageHostingService(host: bot.host, served: bot.served, tick: .milliseconds(100), logger: logger)
        let running = Task { try await service.run() }
        defer { running.cancel() }
        var links: HostedLinks?
        try await waitUntil("the owed mirror to be done") {
            links = await bot.host.hostedLinks(forTask: images.taskId)
            return links != nil
        }
        #expect(try await bot.store.owedMirror(taskId: images.taskId) == nil)
        let hosted = try #require(links)
        #expect(hosted.singles.count == 1 && hosted.singles[0].hasSuffix("-1.png"))
        #expect(try await httpRequest(try #require(hosted.grid)).body == grid)
        #expect(try await httpRequest(hosted.singles[0]).body == single)
        #expect(await bot.host.mirroredImage(forTask: images.taskId, index: 1) == "data:image/png;base64," + Data(single).base64EncodedString())
        running.cancel()
        _ = try? await running.value
        await bot.server.stop()
        await imageServer.stop()
    }

    /// The bridge cancels a mirror that outlived its deadline (review finding 8): the download
    /// ends as a failure and the mirror is still owed, so the background retry stores it.
    @Test func aCancelledMirrorIsStillOwed() async throws {
        let (imageHost, imageServer) = try await FlakyImageHost.start(images: ["grid.png": pngBytes(4)])
        imageHost.up.withLock { $0 = true }
        imageHost.hang.withLock { $0 = true }
        let images = ResultImages(taskId: "1748339029406666", grid: imageServer.baseURL + "/img/grid.png")
        let directory = try ImageTestDirectory()
        let bot = try await startBot(directory, proxyBaseURL: imageServer.baseURL)
        let mirror = Task { await bot.host.mirror(images) }
        try await waitUntil("the download to start") { imageHost.requests.withLock { $0 } == 1 }
        mirror.cancel()
        guard case .failed = await mirror.value else { Issue.record("a cancelled mirror should fail"); return }
        let owed = try #require(try await bot.store.owedMirror(taskId: images.taskId))
        #expect(owed.attempts == 1)
        #expect(await bot.host.hostedLinks(forTask: images.taskId) == nil)
        await bot.server.stop()
        await imageServer.stop()
    }

    /// A grid with four single images gets five links, in order, each serving its own bytes;
    /// an upscale (one image) gets one.
    @Test func aGridWithFourSinglesGetsFiveLinks() async throws {
        var files: [String: [UInt8]] = ["grid.png": pngBytes(10)]
        for n in 1...4 { files["s\(n).png"] = pngBytes(UInt8(10 + n)) }
        let (imageHost, imageServer) = try await FlakyImageHost.start(images: files)
        imageHost.up.withLock { $0 = true }
        let directory = try ImageTestDirectory()
        let bot = try await startBot(directory, proxyBaseURL: imageServer.baseURL)
        let grid = ResultImages(taskId: "1748339029408888", grid: imageServer.baseURL + "/img/grid.png",
                                singles: (1...4).map { imageServer.baseURL + "/img/s\($0).png" })
        guard case .hosted(let links) = await bot.host.mirror(grid), let gridLink = links.grid else { Issue.record("not hosted"); return }
        #expect(links.singles.count == 4)
        #expect(try await httpRequest(gridLink).body == files["grid.png"])
        for (n, link) in links.singles.enumerated() {
            #expect(link == String(gridLink.dropLast(4)) + "-\(n + 1).png")
            #expect(try await httpRequest(link).body == files["s\(n + 1).png"])
        }
        guard case .hosted(let upscale) = await bot.host.mirror(ResultImages(taskId: "1748339029409999", grid: imageServer.baseURL + "/img/s2.png")) else {
            Issue.record("upscale not hosted"); return
        }
        #expect(upscale.grid != nil && upscale.singles.isEmpty)
        // Same bytes as single 2: one file for both names.
        #expect(try await bot.blobs.listByAge().count == 5)
        await bot.server.stop()
        await imageServer.stop()
    }

    /// A link whose `ex=` has passed is given up on (logged), not retried for a day.
    @Test func anOwedMirrorIsGivenUpOnceTheProxysLinkExpired() async throws {
        let (_, imageServer) = try await FlakyImageHost.start(images: ["grid.png": pngBytes(3)])
        let directory = try ImageTestDirectory()
        let time = TestTime(Date(timeIntervalSince1970: 1_800_000_000))
        let expiry = String(1_800_000_000 + 120, radix: 16)
        let images = ResultImages(taskId: "1748339029406666", grid: imageServer.baseURL + "/img/grid.png?ex=\(expiry)&is=0&hm=x&")
        let bot = try await startBot(directory, proxyBaseURL: imageServer.baseURL, now: time.closure)
        guard case .failed = await bot.host.mirror(images) else { Issue.record("should fail"); return }
        #expect(try await bot.store.owedMirror(taskId: images.taskId) != nil)
        time.advance(by: 121)
        #expect(await bot.host.retryOwedMirrors() == 0)
        #expect(try await bot.store.owedMirror(taskId: images.taskId) == nil)
        await bot.server.stop()
        await imageServer.stop()
    }

    /// Retention with tiny limits, carried out: removed names answer 410, their blobs go, the
    /// evictions are counted by reason.
    @Test func retentionRemovesExpiredThenLeastRecentlyServedAndDeletesTheirBlobs() async throws {
        let big = pngBytes(4, count: 600_000), other = pngBytes(5, count: 600_000), old = pngBytes(6, count: 1000)
        let (imageHost, imageServer) = try await FlakyImageHost.start(images: ["big.png": big, "other.png": other, "old.png": old])
        imageHost.up.withLock { $0 = true }
        let directory = try ImageTestDirectory()
        let time = TestTime(Date(timeIntervalSince1970: 1_800_000_000))
        let metrics = BotMetrics()
        // Keep 2 days, at most 1 MB.
        let bot = try await startBot(directory, proxyBaseURL: imageServer.baseURL, retentionDays: 2, maxStoreMB: 1,
                                     now: time.closure, metrics: metrics)
        func mirror(_ task: String, _ file: String) async throws -> String {
            guard case .hosted(let links) = await bot.host.mirror(ResultImages(taskId: task, grid: imageServer.baseURL + "/img/" + file)) else {
                throw TestFailure("\(file) not hosted")
            }
            return try #require(links.grid)
        }
        let oldLink = try await mirror("1000000000001111", "old.png")
        time.advance(by: 86_400)
        let bigLink = try await mirror("1000000000002222", "big.png")
        time.advance(by: 3600)
        let otherLink = try await mirror("1000000000003333", "other.png")
        // `big` served after `other` was made: `other` is now the least recently served.
        time.advance(by: 60)
        #expect(try await httpRequest(bigLink).status == 200)
        try await bot.store.markHostedImagesServed(await bot.served.drain())
        time.advance(by: 86_400 - 3600)  // old is 2 days old now

        let plan = try #require(await bot.host.enforceRetention())
        #expect(plan.removals.map(\.reason) == [.expired, .size])
        #expect(try await httpRequest(oldLink).status == 410)
        let evicted = try await httpRequest(otherLink)
        #expect(evicted.status == 410 && String(decoding: evicted.body, as: UTF8.self).contains("size limit"))
        #expect(try await httpRequest(bigLink).body == big)
        #expect(try await bot.blobs.listByAge().map(\.digest) == [BlobDigest(of: big)])
        let text = metrics.prometheusText()
        #expect(text.contains(#"mjbridge_images_evictions_total{reason="expired"} 1"#))
        #expect(text.contains(#"mjbridge_images_evictions_total{reason="size"} 1"#))
        #expect(text.contains("mjbridge_images_store_bytes \(big.count)"))
        await bot.server.stop()
        await imageServer.stop()
    }
}
