import Foundation
import MidjourneyAPI
import MidjourneySimulator
import Testing

/// Every endpoint of the client against the simulator over loopback HTTP, in both flavours.
@Suite("Client against the simulator: endpoints")
struct ClientSimulatorEndpointTests {
    typealias Sim = SimulatorUnderTest

    @Test(arguments: SimulatorFlavor.allCases)
    func imagineWithEveryFieldRunsToSuccessWithCallbacks(flavor: SimulatorFlavor) async throws {
        let recorder = try await CallbackRecorder.start()
        do {
            try await imagineWithEveryField(flavor: flavor, recorder: recorder)
        } catch {
            await recorder.shutdown()
            throw error
        }
        await recorder.shutdown()
    }

    private func imagineWithEveryField(flavor: SimulatorFlavor, recorder: CallbackRecorder) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client()
            let request = ImagineRequest(prompt: "dog playing ball --v 7", base64Array: [samplePNGDataURL], botType: .niji,
                                         state: "irc:#art:alice", notifyHook: recorder.url,
                                         accountFilter: AccountFilter(instanceId: Sim.instanceId, modes: ["FAST"], remark: "main"))
            let response = try await client.imagine(request)
            #expect(response.code == .submitted)
            #expect(response.discordInstanceId == Sim.instanceId)
            let id = try #require(response.taskId)

            let waiting = try #require(try await client.fetch(id: id))
            #expect(waiting.status == .notStart)
            #expect(waiting.action == .imagine)
            #expect(waiting.prompt == "dog playing ball --v 7")
            #expect(waiting.promptEn?.hasPrefix("<\(sim.server.baseURL)/attachments/") == true, "image prompt links come first")
            #expect(waiting.state == "irc:#art:alice")
            #expect(waiting.properties.botType == "NIJI_JOURNEY")
            #expect(waiting.properties.notifyHook == recorder.url)
            #expect(waiting.buttons.isEmpty)

            await sim.finishJobs()
            let task = try #require(try await client.fetch(id: id))
            #expect(task.status == .success)
            #expect(task.progress == 100)
            #expect(task.failReason == nil)
            let hash = try #require(task.properties.messageHash)
            #expect(task.buttons.count == 9)
            #expect(Set(task.buttons.map(\.kind)) == Set((1...4).map(ButtonKind.upscale) + (1...4).map(ButtonKind.variation) + [.reroll]))
            #expect(task.buttons.allSatisfy { $0.customId.contains(hash) && !$0.customId.contains(id) })
            let submit = try #require(task.submitTime)
            let start = try #require(task.startTime)
            let finish = try #require(task.finishTime)
            #expect(submit <= start && start < finish)

            let imageUrl = try #require(task.imageUrl)
            #expect(imageUrl.contains("?ex=") && imageUrl.contains("&is=") && imageUrl.contains("&hm="))
            let image = try await sim.download(imageUrl)
            #expect(image.status == 200)
            #expect(Array(image.body.prefix(8)) == pngMagic)

            // Every callback is a task the client decodes, moving forward to SUCCESS.
            await sim.server.waitForCallbacks()
            let callbacks = try await recorder.received.map { try MJTask.decode(Data($0.body)) }
            #expect(callbacks.count >= 3)
            #expect(callbacks.first?.status == .submitted)
            #expect(callbacks.first?.progress == 0)
            #expect(callbacks.last?.status == .success)
            #expect(callbacks.allSatisfy { $0.id == id && $0.state == "irc:#art:alice" })
            #expect(zip(callbacks, callbacks.dropFirst()).allSatisfy { $0.order < $1.order })
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func upscaleThenVaryThenReroll(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client()
            let grid = try await sim.finishedImagine(client)

            let u2 = try #require(grid.button(.upscale(2)))
            let upscale = try await client.action(ActionRequest(taskId: grid.id, customId: u2.customId, chooseSameChannel: true,
                                                                accountFilter: AccountFilter(remix: false),
                                                                notifyHook: "http://127.0.0.1:9/unused", state: "irc:#art:bob"))
            #expect(upscale.code == .submitted)
            await sim.finishJobs()
            let upscaled = try await sim.task(of: upscale, with: client)
            #expect(upscaled.status == .success)
            #expect(upscaled.action == .upscale)
            #expect(upscaled.state == "irc:#art:bob")
            #expect(upscaled.properties.notifyHook == "http://127.0.0.1:9/unused")
            for kind: ButtonKind in [.upscaleSubtle, .upscaleCreative, .varySubtle, .varyStrong, .varyRegion,
                                     .zoomOut2x, .zoomOut1_5x, .customZoom, .pan(.left), .pan(.down)] {
                #expect(upscaled.button(kind) != nil, "upscaled image offers \(kind)")
            }

            let hd = try await sim.press(.upscaleCreative, on: upscaled, with: client)
            let hdTask = try await sim.task(of: hd, with: client)
            #expect(hdTask.status == .success)
            #expect(hdTask.action == (flavor == .trueai ? .upscaleHD : .upscale))

            let vary = try await sim.press(.varyStrong, on: upscaled, with: client)
            #expect(vary.code == .submitted, "without remix a vary runs at once")
            let varied = try await sim.task(of: vary, with: client)
            #expect(varied.action == .variation)
            #expect(varied.buttons.count == 9)

            let reroll = try await sim.press(.reroll, on: grid, with: client)
            let rerolled = try await sim.task(of: reroll, with: client)
            #expect(rerolled.status == .success)
            #expect(rerolled.action == (flavor == .trueai ? .imagine : .reroll))
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func customZoomGoesThroughTheModal(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client()
            let grid = try await sim.finishedImagine(client)
            let up = try await sim.press(.upscale(1), on: grid, with: client)
            let upscaled = try await sim.task(of: up, with: client)
            let opened = try await sim.press(.customZoom, on: upscaled, with: client)
            #expect(opened.code == .modalRequired)
            let modalId = try #require(opened.taskId)
            #expect(modalId != upscaled.id)
            #expect(opened.finalPrompt?.isEmpty == false)
            #expect(try await client.fetch(id: modalId)?.status == .modal)

            let confirmed = try await client.modal(ModalRequest(taskId: modalId, prompt: "dog playing ball --zoom 1.5"))
            #expect(confirmed.code.isAccepted)
            #expect(confirmed.taskId == modalId, "the modal task keeps its id")
            await sim.finishJobs()
            let zoomed = try #require(try await client.fetch(id: modalId))
            #expect(zoomed.status == .success)
            #expect(zoomed.action == .zoom)
            #expect(zoomed.prompt == "dog playing ball --zoom 1.5")

            // Custom Zoom without --zoom is accepted and then fails like the real one.
            let again = try await sim.press(.customZoom, on: upscaled, with: client)
            _ = try await client.modal(ModalRequest(taskId: try #require(again.taskId), prompt: "no zoom here"))
            await sim.finishJobs()
            let failed = try await sim.task(of: again, with: client)
            #expect(failed.status == .failure)
            #expect(failed.failReason?.contains("--zoom") == true)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func varyRegionNeedsAMask(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client()
            let grid = try await sim.finishedImagine(client)
            let up = try await sim.press(.upscale(3), on: grid, with: client)
            let upscaled = try await sim.task(of: up, with: client)
            let opened = try await sim.press(.varyRegion, on: upscaled, with: client)
            #expect(opened.code == .modalRequired)
            let modalId = try #require(opened.taskId)
            let noMask = await mjError { () async throws(MJError) in try await client.modal(ModalRequest(taskId: modalId)) }
            #expect(rejectedCode(noMask) == .validation)
            let confirmed = try await client.modal(ModalRequest(taskId: modalId, prompt: "a red ball", maskBase64: samplePNGDataURL))
            #expect(confirmed.code.isAccepted)
            await sim.finishJobs()
            #expect(try await client.fetch(id: modalId)?.status == .success)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func remixTurnsVariationsIntoModals(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor, configure: { $0.remix = true }) { sim in
            let client = try sim.client()
            let grid = try await sim.finishedImagine(client, prompt: "a castle --v 7")
            let opened = try await sim.press(.variation(1), on: grid, with: client)
            #expect(opened.code == .modalRequired)
            #expect(opened.finalPrompt?.hasPrefix("a castle") == true, "pre-filled with the parent's prompt")
            let modalId = try #require(opened.taskId)
            _ = try await client.modal(ModalRequest(taskId: modalId, prompt: "a castle at night --v 7"))
            await sim.finishJobs()
            let task = try #require(try await client.fetch(id: modalId))
            #expect(task.status == .success)
            #expect(task.action == .variation)
            #expect(task.prompt == "a castle at night --v 7")
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func describeFromBase64ThenImagineAPick(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client()
            let response = try await client.describe(DescribeRequest(base64: samplePNGDataURL, state: "d"))
            await sim.finishJobs()
            let described = try await sim.task(of: response, with: client)
            #expect(described.status == .success)
            #expect(described.action == .describe)
            let prompts = try #require(described.properties.finalPrompt)
            #expect(["1️⃣", "2️⃣", "3️⃣", "4️⃣"].allSatisfy(prompts.contains))
            #expect((1...4).allSatisfy { described.button(.describePick($0))?.needsModal == true })

            let opened = try await sim.press(.describePick(2), on: described, with: client)
            #expect(opened.code == .modalRequired)
            let picked = try #require(opened.finalPrompt)
            #expect(!picked.isEmpty && prompts.contains(picked))
            // An empty prompt confirms with the pre-filled one.
            _ = try await client.modal(ModalRequest(taskId: try #require(opened.taskId)))
            await sim.finishJobs()
            let imagined = try await sim.task(of: opened, with: client)
            #expect(imagined.status == .success)
            #expect(imagined.action == .imagine)
            #expect(imagined.prompt == picked)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func describeFromALink(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client()
            let request = DescribeRequest(link: "https://example.com/cat.png")
            switch flavor {
            case .trueai:
                let response = try await client.describe(request)
                await sim.finishJobs()
                let task = try await sim.task(of: response, with: client)
                #expect(task.status == .success)
                #expect(task.properties.finalPrompt?.contains("1️⃣") == true)
            case .novicezk:
                // novicezk/plus only take base64: a validation error the user can read.
                let error = await mjError { () async throws(MJError) in try await client.describe(request) }
                #expect(rejectedCode(error) == .validation)
            }
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func blendShortenAndSwapFace(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client()
            let blend = try await client.blend(BlendRequest(base64Array: [samplePNGDataURL, samplePNGDataURL],
                                                            dimensions: .landscape, botType: .midjourney, state: "b"))
            let shorten = try await client.shorten(ShortenRequest(prompt: "a very very long and detailed prompt about a dog"))
            let swap = try await client.swapFace(SwapFaceRequest(sourceBase64: samplePNGDataURL, targetBase64: samplePNGDataURL))
            await sim.finishJobs()
            let tasks = try await client.list(ids: [blend, shorten, swap].compactMap(\.taskId))
            try #require(tasks.count == 3)
            #expect(tasks.map(\.action) == [.blend, .shorten, .swapFace])
            #expect(tasks.allSatisfy { $0.status == .success })
            #expect(tasks[0].prompt?.hasSuffix("--ar 3:2") == true)
            #expect(tasks[0].state == "b")
            #expect(tasks[1].properties.finalPrompt?.isEmpty == false)
            #expect(tasks[1].button(.shortenPick(1)) != nil)
            #expect(tasks[2].imageUrl != nil)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func uploadDiscordImagesReturnsServedURLs(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client()
            let urls = try await client.uploadDiscordImages([samplePNGDataURL, samplePNGDataURL])
            #expect(urls.count == 2)
            #expect(Set(urls).count == 2)
            for url in urls {
                let got = try await sim.download(url)
                #expect(got.status == 200)
                #expect(Array(got.body.prefix(8)) == pngMagic)
            }
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func listByConditionInBatches(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client(listBatchSize: 2)
            var ids: [String] = []
            for n in 1...5 { ids.append(try #require(try await client.imagine(ImagineRequest(prompt: "cat \(n)")).taskId)) }
            await sim.finishJobs()
            let before = await sim.stats.requests
            let tasks = try await client.list(ids: ids + ["1700000000000999", ids[0]])
            #expect(tasks.map(\.id) == ids, "unknown ids are left out, duplicates asked once")
            #expect(tasks.allSatisfy { $0.status == .success })
            #expect(await sim.stats.requests - before == 3, "6 distinct ids in batches of 2")
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func imageSeedOfAFinishedTask(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client()
            let task = try await sim.finishedImagine(client)
            let seed = try await client.imageSeed(id: task.id)
            #expect(!seed.isEmpty && seed.allSatisfy(\.isNumber))
            #expect(try await client.imageSeed(id: task.id) == seed)

            // No messageHash yet (trueai: HTTP 400 + code 4; novicezk: 200 + code 4).
            let running = try #require(try await client.imagine(ImagineRequest(prompt: "x")).taskId)
            let early = await mjError { () async throws(MJError) in try await client.imageSeed(id: running) }
            #expect(rejectedCode(early) == .validation)
            #expect(early?.description.contains("the job has no finished image yet") == true, "\(early.map(String.init(describing:)) ?? "")")
            // Unknown task (trueai: HTTP 404 + code 3).
            let unknown = await mjError { () async throws(MJError) in try await client.imageSeed(id: "1700000000000999") }
            #expect(rejectedCode(unknown) == .notFound)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func cancelAQueuedTask(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor, configure: { $0.accountCoreSize = 1 }) { sim in
            let client = try sim.client()
            _ = try await client.imagine(ImagineRequest(prompt: "first"))
            let queued = try await client.imagine(ImagineRequest(prompt: "second"))
            #expect(queued.code == .queued)
            let id = try #require(queued.taskId)
            let response = try await client.cancel(id: id)
            #expect(response.code == .submitted)
            let task = try #require(try await client.fetch(id: id))
            #expect(task.isTerminal)
            #expect(task.status == (flavor == .trueai ? .failure : .cancel), "trueai's cancel writes FAILURE")
            #expect(task.failReason == "取消任务")

            let finished = await mjError { () async throws(MJError) in try await client.cancel(id: id) }
            #expect(rejectedCode(finished) == .validation)
            #expect(finished?.description.contains("the job has already finished and cannot be cancelled") == true,
                    "\(finished.map(String.init(describing:)) ?? "")")
            let unknown = await mjError { () async throws(MJError) in try await client.cancel(id: "1700000000000999") }
            #expect(rejectedCode(unknown) == .notFound)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func fetchOfAnUnknownIdIsNil(flavor: SimulatorFlavor) async throws {
        // trueai answers 204, novicezk an empty 200.
        try await Sim.with(flavor) { sim in
            let client = try sim.client(retry: SleepLog().policy())
            #expect(try await client.fetch(id: "1700000000000999") == nil)
            #expect(await sim.stats.requests == 1, "not found is an answer, not a failure to retry")
        }
    }
}

/// The code of a `.rejected` error, nil for anything else.
func rejectedCode(_ error: MJError?) -> ReturnCode? {
    if case .rejected(let response)? = error { return response.code }
    return nil
}

