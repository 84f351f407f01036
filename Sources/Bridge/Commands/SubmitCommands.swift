import MidjourneyAPI

/// Commands that start a new job: imagine, niji, describe, blend, faceswap, shorten.
extension CommandContext {
    func imagine(niji: Bool) async {
        let prompt = PromptSanitizer.sanitize(invocation.arguments)
        guard !prompt.text.isEmpty else {
            if prompt.images.isEmpty { await usage() } else { await reply("Add some words after the image links.") }
            return
        }
        var text = prompt.text
        var images: [String]?
        if !prompt.images.isEmpty {
            // `ref:1828` only: a bare number opening a prompt is the user's words.
            guard let sources = await imageSources(for: prompt.images.map { ImageInput.parse($0, bareReferences: false) })
            else { return }
            if bridge.imageFetcher != nil {
                guard let fetched = await dataURLs(for: sources) else { return }
                images = fetched
            } else {
                // Midjourney also reads image prompts as links at the start of the prompt; the
                // bot's own copies of results go as uploads.
                var links: [String] = []
                var uploads: [String] = []
                for source in sources {
                    switch source {
                    case .dataURL(let dataURL): uploads.append(dataURL)
                    case .link(let url, _): links.append(url)
                    }
                }
                text = (links + [text]).joined(separator: " ")
                images = uploads.isEmpty ? nil : uploads
            }
        }
        let kind = niji ? "niji" : "imagine"
        guard let submission = await beginSubmission(kind: kind, prompt: prompt.text) else { return }
        let request = ImagineRequest(prompt: text, base64Array: images, botType: niji ? .niji : nil, state: submission.state,
                                     notifyHook: notifyHook, accountFilter: accountFilter(for: prompt.mode))
        do {
            let response = try await bridge.client(for: pathMode(prompt.mode)).imagine(request)
            await accept(response, kind: kind, prompt: prompt.text, submission: submission)
        } catch {
            await fail(error, submission: submission)
        }
    }

    func describe() async {
        guard words.count == 1, let word = words.first else { return await usage() }
        guard let source = await imageSources(for: [ImageInput.parse(word, bareReferences: true)])?.first else { return }
        // Without a fetcher the link goes to the proxy as it is (TrueAI reads links itself).
        var image = source
        if case .link = source, bridge.imageFetcher != nil {
            guard let fetched = await dataURLs(for: [source])?.first else { return }
            image = .dataURL(fetched)
        }
        guard let submission = await beginSubmission(kind: "describe", prompt: "") else { return }
        let request = switch image {
        case .dataURL(let dataURL): DescribeRequest(base64: dataURL, state: submission.state, notifyHook: notifyHook)
        case .link(let url, _): DescribeRequest(link: url, state: submission.state, notifyHook: notifyHook)
        }
        do {
            await accept(try await client.describe(request), kind: "describe", prompt: "", submission: submission)
        } catch {
            await fail(error, submission: submission)
        }
    }

    func blend() async {
        var dimensions: BlendDimensions?
        var urls: [String] = []
        for word in words {
            switch word.lowercased() {
            case "--portrait": dimensions = .portrait
            case "--square": dimensions = .square
            case "--landscape": dimensions = .landscape
            default: urls.append(word)
            }
        }
        guard BlendRequest.imageCountRange.contains(urls.count) else {
            await reply("Blend takes 2 to 5 images, links or refs (you gave \(urls.count)).")
            return
        }
        guard let sources = await imageSources(for: urls.map { ImageInput.parse($0, bareReferences: true) }),
              let images = await dataURLs(for: sources) else { return }
        guard let submission = await beginSubmission(kind: "blend", prompt: "\(urls.count) images") else { return }
        let request = BlendRequest(base64Array: images, dimensions: dimensions, state: submission.state, notifyHook: notifyHook)
        do {
            await accept(try await client.blend(request), kind: "blend", prompt: "\(urls.count) images", submission: submission)
        } catch {
            await fail(error, submission: submission)
        }
    }

    func faceswap() async {
        guard words.count == 2 else { return await usage() }
        guard let sources = await imageSources(for: words.map { ImageInput.parse($0, bareReferences: true) }),
              let images = await dataURLs(for: sources) else { return }
        guard let submission = await beginSubmission(kind: "faceswap", prompt: "") else { return }
        let request = SwapFaceRequest(sourceBase64: images[0], targetBase64: images[1], state: submission.state,
                                      notifyHook: notifyHook)
        do {
            await accept(try await client.swapFace(request), kind: "faceswap", prompt: "", submission: submission)
        } catch {
            await fail(error, submission: submission)
        }
    }

    func shorten() async {
        let prompt = PromptSanitizer.sanitize(invocation.arguments)
        guard !prompt.text.isEmpty else { return await usage() }
        guard let submission = await beginSubmission(kind: "shorten", prompt: prompt.text) else { return }
        do {
            let request = ShortenRequest(prompt: prompt.text, state: submission.state, notifyHook: notifyHook)
            await accept(try await client.shorten(request), kind: "shorten", prompt: prompt.text, submission: submission)
        } catch {
            await fail(error, submission: submission)
        }
    }

    /// The path prefix carrying the speed mode, when modes go in the path.
    func pathMode(_ mode: SpeedMode?) -> SpeedMode? {
        bridge.configuration.speedModeRouting == .path ? mode : nil
    }
}
