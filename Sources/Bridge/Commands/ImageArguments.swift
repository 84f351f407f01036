import Store

/// Image arguments of a command: links as typed, and refs of earlier results in this
/// conversation (`!blend 1828 3356`, `!imagine ref:1828 …`). Every ref is checked before
/// anything is downloaded or submitted, so one bad input costs nothing; a ref's image is the
/// bot's mirrored copy when it has one, else the proxy's link downloaded like a user's link
/// (and counted against the download limits like one).
extension CommandContext {
    /// How many of the newest tasks (all networks) are searched for a ref typed in another
    /// conversation, only to say "not from here" rather than "unknown" (and, in private, to
    /// find the owner's channel tasks).
    static let foreignReferenceWindow = 2000

    /// The inputs as sources, in order; nil (the user told why) when any of them cannot be used.
    func imageSources(for inputs: [ImageInput]) async -> [ImageSource]? {
        var sources: [ImageSource] = []
        for (position, input) in inputs.enumerated() {
            switch input {
            case .link(let url):
                sources.append(.link(url, from: nil))
            case .reference(let reference):
                switch await source(of: reference) {
                case .usable(let source):
                    sources.append(source)
                case .refused(let reason):
                    await reply(Self.numbered(reason, position: position, of: inputs.count))
                    return nil
                case .answered:
                    return nil
                }
            }
        }
        return sources
    }

    /// Data URLs for the sources: links downloaded through the guarded fetcher; nil (the user
    /// told why) when a download fails or the bot downloads nothing.
    func dataURLs(for sources: [ImageSource]) async -> [String]? {
        var result: [String] = []
        for (position, source) in sources.enumerated() {
            switch source {
            case .dataURL(let dataURL):
                result.append(dataURL)
            case .link(let url, let reference):
                guard let fetcher = bridge.imageFetcher else {
                    await reply("This bot is not set up to download images.")
                    return nil
                }
                do {
                    result.append(try await fetcher.dataURL(for: url))
                } catch {
                    // Generic on purpose: the fetcher logs which address or answer it was.
                    let reason = reference.map {
                        "couldn't download the image of ref \($0.reference) from the image service (its link may have expired)"
                    } ?? error.description
                    await reply(Self.numbered(reason, position: position, of: sources.count))
                    return nil
                }
            }
        }
        return result
    }

    /// Downloads images named by URL as data URLs; answers the user and returns nil on failure.
    func dataURLs(for urls: [String]) async -> [String]? {
        await dataURLs(for: urls.map { ImageSource.link($0, from: nil) })
    }

    /// "Image 2: …." when several were given, else the sentence alone ("ref 1828 …" keeps the
    /// lower case every answer about a ref has).
    static func numbered(_ reason: String, position: Int, of count: Int) -> String {
        if count > 1 { return "Image \(position + 1): \(reason)." }
        return reason.hasPrefix("ref ") ? reason + "." : reason.prefix(1).uppercased() + reason.dropFirst() + "."
    }

    // MARK: Refs

    enum ReferencedSource: Sendable {
        case usable(ImageSource)
        /// Not usable: the sentence why (without the final period).
        case refused(String)
        /// The user was already told (a store failure).
        case answered
    }

    /// The image a ref names: the task must be this conversation's, finished with an image.
    func source(of reference: ImageReference) async -> ReferencedSource {
        let task: TaskRecord
        switch await imageTask(reference) {
        case .found(let found): task = found
        case .refused(let reason): return .refused(reason)
        case .answered: return .answered
        }
        if let refusal = ReferencedImageRule.refusal(task, index: reference.index, shown: reference.reference) {
            return .refused(refusal)
        }
        if let host = bridge.resultImageHost, let dataURL = await host.mirroredImage(forTask: task.id, index: reference.index) {
            return .usable(.dataURL(dataURL))
        }
        if let index = reference.index {
            // Only the bot's own copy has the single images; the task keeps the grid's link only.
            return .refused("the single images of ref \(reference.reference) are not kept here: "
                + "\(prefix)u\(index) \(reference.reference) upscales image \(index), then use that ref")
        }
        guard let url = task.imageUrl, !url.isEmpty else { return .refused("ref \(reference.reference) has no image") }
        return .usable(.link(url, from: reference))
    }

    enum ImageTaskLookup: Sendable {
        case found(TaskRecord)
        case refused(String)
        case answered
    }

    /// The task a ref names for use as an image here. Unlike the task commands, an admin gets
    /// no wider view: an image from one conversation is never posted into another, and a
    /// task from elsewhere is only said to be from elsewhere (nothing of it is shown).
    func imageTask(_ reference: ImageReference) async -> ImageTaskLookup {
        let here = TaskPrivacy(caller: route, isAdmin: false, callerKey: LimitIdentity.key(of: event))
        let typed = reference.reference
        let candidates: [TaskRecord]
        do {
            switch try await store.resolveReference(typed, scopeKey: route.scopeKey, network: event.network) {
            case .found(let task): candidates = [task]
            case .ambiguous(let tasks): candidates = tasks
            case .notFound:
                candidates = try await store.tasks(endingWith: typed, network: event.network,
                                                   window: Self.foreignReferenceWindow, limit: 20)
            }
        } catch {
            await storeFailed(error)
            return .answered
        }
        let usable = candidates.filter(here.maySee)
        switch usable.count {
        case 1:
            return .found(usable[0])
        case 0 where candidates.isEmpty:
            return .refused("I know no task \(ChatText.truncated(typed, to: 30)) here")
        case 0:
            return .refused("ref \(ChatText.truncated(typed, to: 30)) is not from this conversation: only results asked for here can be used")
        default:
            let ids = usable.map(\.id)
            let options = usable.prefix(4).map { task in
                "\(ShortReference.make(for: task.id, among: ids)) \(renderer.subject(kind: task.kind, prompt: task.prompt))"
            }
            return .refused("ref \(typed) fits \(usable.count) tasks here: \(options.joined(separator: ", ")) — give more digits")
        }
    }
}
