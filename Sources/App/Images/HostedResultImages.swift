import Bridge
import Foundation
import GuardedFetch
import ImageHosting
import Logging
import Store

/// The bot as the host of its results (`ResultImageHost`): downloads the proxy's image links
/// under the same rules as images users name (streamed, size cap, timeout, image bytes only),
/// except that the proxy's own host may be private (a LAN or loopback proxy); stores the bytes
/// in a `BlobStore`, writes the catalog rows (`HostedImageRecord`), and answers with
/// `<public_base_url>/i/<name>` links. A failed mirror is recorded as owed and retried by
/// `retryOwedMirrors()` (run by `ImageHostingService`) until it works, the proxy's link
/// expires, or `MirrorRetryPolicy.giveUpAfter` passes.
public final class HostedResultImages: ResultImageHost, Sendable {
    public struct Settings: Sendable {
        /// Without a trailing slash.
        public var publicBaseURL: String
        /// The fetch rules for result images (`trustedHosts` holds the proxy's host).
        public var fetchPolicy: FetchPolicy
        public var retry: MirrorRetryPolicy
        public var retention: RetentionPlanner
        /// A blob no catalog row points at is deleted once this old (bytes stored by a mirror
        /// whose catalog write never happened: a crash, a failed sibling download).
        public var orphanGrace: TimeInterval

        public init(publicBaseURL: String, fetchPolicy: FetchPolicy, retry: MirrorRetryPolicy = MirrorRetryPolicy(),
                    retention: RetentionPlanner, orphanGrace: TimeInterval = 24 * 3600) {
            self.publicBaseURL = publicBaseURL
            self.fetchPolicy = fetchPolicy
            self.retry = retry
            self.retention = retention
            self.orphanGrace = orphanGrace
        }

        /// From `[images]`; nil when there is no `public_base_url` (hosting off).
        public init?(_ images: ImageSettings, proxyBaseURL: String) {
            guard let base = images.publicBaseURL else { return nil }
            var policy = images.fetchPolicy
            if let proxy = try? FetchURL(parsing: proxyBaseURL) { policy.trustedHosts = [proxy.host] }
            self.init(publicBaseURL: base, fetchPolicy: policy,
                      retention: RetentionPlanner(retentionDays: images.retentionDays, maxBytes: images.maxStoreBytes))
        }
    }

    /// The meta key of the per-install key that tags public names (`ImageNameTag`).
    public static let nameKeyMetaKey = "imageNameKey"

    public let settings: Settings
    let store: any BotStore
    public let blobs: any BlobStore
    let fetcher: GuardedFetcher
    let tagger: ImageNameTag
    let now: @Sendable () -> Date
    let metrics: BotMetrics
    let logger: Logger
    /// Set when new bytes were stored: `ImageHostingService` runs retention at its next tick.
    let retentionWanted = RetentionRequest()

    init(settings: Settings, store: any BotStore, blobs: any BlobStore, fetcher: GuardedFetcher, tagger: ImageNameTag,
         now: @escaping @Sendable () -> Date, metrics: BotMetrics, logger: Logger) {
        self.settings = settings
        self.store = store
        self.blobs = blobs
        self.fetcher = fetcher
        self.tagger = tagger
        self.now = now
        self.metrics = metrics
        self.logger = logger
    }

    /// The host, with the install's name key (made and kept in the database on first use).
    /// `fetcher` has its own download limiter, so mirrors never wait behind users' images.
    public static func make(settings: Settings, store: any BotStore, blobs: any BlobStore, fetcher: GuardedFetcher,
                            now: @escaping @Sendable () -> Date = { Date() }, metrics: BotMetrics,
                            logger: Logger) async throws -> HostedResultImages {
        let keyHex = try await store.metaValue(forKey: nameKeyMetaKey, orInsert: {
            var generator = SystemRandomNumberGenerator()
            return ImageNameTag.generateKeyHex(using: &generator)
        })
        guard let tagger = ImageNameTag(keyHex: keyHex) else {
            throw BlobStoreError("name key", "meta \(nameKeyMetaKey) is not a hex key of at least 16 bytes")
        }
        metrics.prepareImageSeries()
        return HostedResultImages(settings: settings, store: store, blobs: blobs, fetcher: fetcher, tagger: tagger,
                                  now: now, metrics: metrics, logger: logger)
    }

    // MARK: ResultImageHost

    public func mirror(_ images: ResultImages) async -> MirrorOutcome {
        if let links = await hostedLinks(forTask: images.taskId) { return .hosted(links) }
        let links = [images.grid].compactMap { $0 } + images.singles
        guard !links.isEmpty else { return .hosted(HostedLinks(grid: nil)) }
        switch await download(images) {
        case .success(let links):
            return .hosted(links)
        case .failure(let failure):
            // In a task of its own: a caller that gave up (the bridge's mirror deadline cancels
            // the mirror) must still leave the mirror owed, and a cancelled task's database
            // writes are refused (GRDB throws CancellationError), which would lose the retry.
            let at = now()
            await Task { await self.owe(images, reason: failure.text, attempts: 1, firstFailedAt: at) }.value
            return .failed(reason: failure.text)
        }
    }

    public func hostedLinks(forTask taskId: String) async -> HostedLinks? {
        do {
            let live = try await store.hostedImages(forTask: taskId).filter { !$0.isRemoved }
            guard !live.isEmpty else { return nil }
            return links(live)
        } catch {
            logger.warning("cannot read the image catalog", metadata: ["task": "\(taskId)", "error": "\(error)"])
            return nil
        }
    }

    public func mirroredImage(forTask taskId: String, index: Int?) async -> String? {
        do {
            guard let record = try await store.hostedImages(forTask: taskId).first(where: { $0.imageIndex == (index ?? 0) && !$0.isRemoved }),
                  let digest = BlobDigest(hex: record.digest),
                  let bytes = try await blobs.get(digest) else { return nil }
            return "data:\(record.contentType);base64,\(Data(bytes).base64EncodedString())"
        } catch {
            logger.warning("cannot read a mirrored image", metadata: ["task": "\(taskId)", "error": "\(error)"])
            return nil
        }
    }

    /// `<public_base_url>/i/<name>`.
    public func link(_ name: String) -> String { "\(settings.publicBaseURL)/i/\(name)" }

    func links(_ records: [HostedImageRecord]) -> HostedLinks {
        HostedLinks(grid: records.first { $0.imageIndex == 0 }.map { link($0.name) },
                    singles: records.filter { $0.imageIndex > 0 }.sorted { $0.imageIndex < $1.imageIndex }.map { link($0.name) })
    }

    // MARK: Mirroring

    struct MirrorFailure: Error {
        var text: String
    }

    /// Downloads every image of the result (at once; the fetcher's limiter paces them), stores
    /// the bytes, then writes the catalog rows in one transaction: all of a result's links or
    /// none, and never a row before its bytes.
    private func download(_ images: ResultImages) async -> Result<HostedLinks, MirrorFailure> {
        let wanted: [(index: Int, url: String)] = (images.grid.map { [(0, $0)] } ?? [])
            + images.singles.prefix(ImageName.indexRange.upperBound).enumerated().map { ($0.offset + 1, $0.element) }
        let fetcher = self.fetcher
        let policy = settings.fetchPolicy
        let fetched: [(index: Int, image: Result<FetchedImage, FetchFailure>)] = await withTaskGroup { group in
            for (index, url) in wanted {
                group.addTask { () -> (index: Int, image: Result<FetchedImage, FetchFailure>) in
                    do throws(FetchFailure) {
                        return (index, Result.success(try await fetcher.fetch(url, policy: policy)))
                    } catch {
                        return (index, Result.failure(error))
                    }
                }
            }
            var results: [(index: Int, image: Result<FetchedImage, FetchFailure>)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.index < $1.index }
        }
        var stored: [(index: Int, kind: ImageKind, blob: StoredBlob)] = []
        for (index, result) in fetched {
            switch result {
            case .failure(let failure):
                let url = wanted.first { $0.index == index }?.url ?? ""
                logger.notice("result image not mirrored", metadata: ["task": "\(images.taskId)", "image": "\(index)",
                                                                     "url": "\(url.prefix(200))", "reason": "\(failure)"])
                metrics.imageMirrorFailed()
                return .failure(MirrorFailure(text: "image \(index): \(failure)"))
            case .success(let image):
                do {
                    stored.append((index, image.kind, try await blobs.put(image.bytes)))
                } catch {
                    logger.error("cannot store a result image", metadata: ["task": "\(images.taskId)", "error": "\(error)"])
                    metrics.imageMirrorFailed()
                    return .failure(MirrorFailure(text: "\(error)"))
                }
            }
        }
        let ref = await reference(forTask: images.taskId)
        let tag = tagger.tag(forTask: images.taskId)
        let at = now()
        let records = stored.map { item in
            HostedImageRecord(name: ImageName(ref: ref, tag: tag, index: item.index, type: ImageFileType(item.kind)).description,
                              taskId: images.taskId, imageIndex: item.index, digest: item.blob.digest.hex,
                              contentType: ImageFileType(item.kind).contentType, bytes: item.blob.size, createdAt: at)
        }
        do {
            try await store.recordHostedImages(records, settlingOwedMirrorOf: images.taskId)
        } catch {
            logger.error("cannot record hosted images", metadata: ["task": "\(images.taskId)", "error": "\(error)"])
            metrics.imageMirrorFailed()
            return .failure(MirrorFailure(text: "catalog: \(error)"))
        }
        metrics.imagesMirrored(bytes: records.reduce(0) { $0 + $1.bytes })
        await retentionWanted.request()
        logger.info("result images hosted", metadata: ["task": "\(images.taskId)", "names": "\(records.map(\.name).joined(separator: " "))"])
        return .success(links(records))
    }

    /// The task's short reference as users see it now (the name keeps it; a later, longer
    /// ref of the same task still finds the images through the task id).
    private func reference(forTask taskId: String) async -> String {
        if let task = try? await store.task(id: taskId), let ref = try? await store.shortReference(for: task) { return ref }
        return String(taskId.suffix(ShortReference.minimumLength))
    }

    /// Records (or updates) the mirror owed for `images`, or gives up on it per the policy.
    private func owe(_ images: ResultImages, reason: String, attempts: Int, firstFailedAt: Date) async {
        let at = now()
        let expiry = LinkExpiry.earliest([images.grid].compactMap { $0 } + images.singles)
        switch settings.retry.next(afterAttempts: attempts, firstFailedAt: firstFailedAt, now: at, linkExpiry: expiry) {
        case .retry(let next):
            do {
                try await store.recordOwedMirror(OwedMirrorRecord(taskId: images.taskId, gridUrl: images.grid, singleUrls: images.singles,
                                                                  firstFailedAt: firstFailedAt, attempts: attempts,
                                                                  nextAttemptAt: next, lastError: reason))
            } catch {
                logger.error("cannot record an owed mirror", metadata: ["task": "\(images.taskId)", "error": "\(error)"])
            }
        case .giveUp(let why):
            logger.warning("giving up mirroring a result: its links stay the proxy's",
                           metadata: ["task": "\(images.taskId)", "attempts": "\(attempts)", "why": "\(why)", "last_error": "\(reason)"])
            try? await store.removeOwedMirror(taskId: images.taskId)
        }
    }

    /// Tries every owed mirror that is due; returns how many were hosted now.
    @discardableResult
    public func retryOwedMirrors() async -> Int {
        let due: [OwedMirrorRecord]
        do {
            due = try await store.owedMirrors(dueBy: now())
        } catch {
            logger.warning("cannot read owed mirrors", metadata: ["error": "\(error)"])
            return 0
        }
        var hosted = 0
        for owed in due {
            let images = ResultImages(taskId: owed.taskId, grid: owed.gridUrl, singles: owed.singles)
            // An expired link is given up on without another download.
            if let expiry = LinkExpiry.earliest([owed.gridUrl].compactMap { $0 } + owed.singles), expiry <= now() {
                await owe(images, reason: owed.lastError ?? "", attempts: owed.attempts, firstFailedAt: owed.firstFailedAt)
                continue
            }
            switch await download(images) {
            case .success:
                hosted += 1
                logger.notice("owed result mirror done", metadata: ["task": "\(owed.taskId)", "attempts": "\(owed.attempts + 1)"])
            case .failure(let failure):
                await owe(images, reason: failure.text, attempts: owed.attempts + 1, firstFailedAt: owed.firstFailedAt)
            }
        }
        return hosted
    }

    // MARK: Retention

    /// Carries out the retention plan: names marked removed (their links answer 410), then the
    /// blobs no live name points at deleted, then orphaned blobs past their grace deleted.
    @discardableResult
    public func enforceRetention() async -> RetentionPlanner.Plan? {
        let at = now()
        do {
            let live = try await store.liveHostedImages()
            let images = live.compactMap { record in
                BlobDigest(hex: record.digest).map {
                    RetentionPlanner.Image(name: record.name, digest: $0, bytes: record.bytes, createdAt: record.createdAt,
                                           lastServedAt: record.lastServedAt)
                }
            }
            let plan = settings.retention.plan(live: images, now: at)
            for reason in RetentionPlanner.Reason.allCases {
                let names = plan.removals.filter { $0.reason == reason }.map(\.name)
                let removed = try await store.removeHostedImages(names: names, reason: reason.rawValue, at: at)
                metrics.imagesEvicted(removed, reason: reason)
            }
            for digest in plan.blobsToDelete { try await blobs.delete(digest) }
            // Blobs no live name uses, past the grace a mirror in flight needs between put and row.
            let used = Set(images.map(\.digest)).subtracting(plan.blobsToDelete)
            for blob in try await blobs.listByAge() where !used.contains(blob.digest) {
                guard at.timeIntervalSince(blob.storedAt) >= settings.orphanGrace else { break }
                try await blobs.delete(blob.digest)
            }
            metrics.imageStore(bytes: plan.bytesAfter)
            if !plan.isEmpty {
                logger.notice("hosted images removed", metadata: [
                    "expired": "\(plan.removals.filter { $0.reason == .expired }.count)",
                    "size": "\(plan.removals.filter { $0.reason == .size }.count)", "bytes_after": "\(plan.bytesAfter)"])
            }
            return plan
        } catch {
            logger.warning("image retention failed", metadata: ["error": "\(error)"])
            return nil
        }
    }
}

/// "Run retention soon": set after puts, taken by the service's next tick.
actor RetentionRequest {
    private var wanted = false

    func request() { wanted = true }

    func take() -> Bool {
        defer { wanted = false }
        return wanted
    }
}

extension ImageFileType {
    init(_ kind: ImageKind) {
        switch kind {
        case .png: self = .png
        case .jpeg: self = .jpg
        case .webp: self = .webp
        case .gif: self = .gif
        }
    }
}

/// What the bot wires when `[images] public_base_url` is not set: nothing is hosted, the
/// proxy's links are posted as they are (and expire with them).
public struct DisabledResultImageHost: ResultImageHost {
    public init() {}
    public func mirror(_ images: ResultImages) async -> MirrorOutcome { .disabled }
    public func hostedLinks(forTask taskId: String) async -> HostedLinks? { nil }
    public func mirroredImage(forTask taskId: String, index: Int?) async -> String? { nil }
}
