import Bridge
import Foundation

/// A small `ResultImageHost` for the bridge's tests, written for them: the real host (the
/// App's blob store, catalog, `/i/` route and retention: the img-host work) is tested on its
/// own. This one keeps what it mirrored in memory and answers as the protocol says: short links
/// under `https://img.test/i/`, idempotent per task, `.failed` while told the proxy's image
/// host is down (and then a background retry the test triggers, as the real host retries on
/// its own), and a hold that keeps a task's download hanging as long as a test wants (a slow
/// image host). With a fetcher it really downloads every link (the simulator's signed links),
/// so a link that could not be read is a failure, as it would be for the real host.
actor InMemoryResultImageHost: ResultImageHost {
    static let base = "https://img.test/i/"

    private let fetcher: (any ImageFetcher)?
    private var stored: [String: HostedLinks] = [:]
    /// The downloaded images as data URLs, by task and index (nil: the grid).
    private var images: [String: [Int: String]] = [:]
    /// Answer `.disabled` (no `public_base_url`).
    private var disabled = false
    /// The proxy's image host is "down": every new mirror fails.
    private var down = false
    /// Failed mirrors waiting for the background retry.
    private var failed: [String: ResultImages] = [:]
    /// Task ids whose downloads hang until `release(_:)` (or a deadline that only ends a broken run).
    private var held: Set<String> = []
    private var gates: [String: [CheckedContinuation<Void, Never>]] = [:]
    /// Each `mirror` call's task id, in order (also those answered from what was stored).
    private(set) var calls: [String] = []
    /// The tasks whose held download was cancelled by the caller.
    private(set) var cancelled: [String] = []
    /// The tasks whose download started (a held one is waiting in it).
    private(set) var started: [String] = []

    init(fetcher: (any ImageFetcher)? = nil) {
        self.fetcher = fetcher
    }

    func setDown(_ down: Bool) { self.down = down }
    func setDisabled(_ disabled: Bool) { self.disabled = disabled }
    func hold(_ taskId: String) { held.insert(taskId) }

    func release(_ taskId: String) {
        held.remove(taskId)
        for gate in gates.removeValue(forKey: taskId) ?? [] { gate.resume() }
    }

    private func cancelHold(_ taskId: String) {
        cancelled.append(taskId)
        release(taskId)
    }

    func mirror(_ images: ResultImages) async -> MirrorOutcome {
        calls.append(images.taskId)
        if let links = stored[images.taskId] { return .hosted(links) }
        if disabled { return .disabled }
        started.append(images.taskId)
        if held.contains(images.taskId) {
            let id = images.taskId
            // Only a broken run gets here: the test never released it.
            let deadline = Task { [weak self] in
                try await Task.sleep(for: .seconds(60))
                await self?.release(id)
            }
            // A caller that gives up (the bridge's own deadline) cancels: the download ends as a
            // failure owed to the background retry, as the real host's does.
            await withTaskCancellationHandler {
                await withCheckedContinuation { gates[id, default: []].append($0) }
            } onCancel: {
                Task { await self.cancelHold(id) }
            }
            deadline.cancel()
            if Task.isCancelled {
                failed[id] = images
                return .failed(reason: "cancelled")
            }
        }
        if down {
            failed[images.taskId] = images
            return .failed(reason: "the proxy's image host is down")
        }
        return await store(images)
    }

    /// The background retry the real host runs on its own after a failed mirror.
    func retryFailed() async {
        let pending = failed
        failed = [:]
        for images in pending.values { _ = await store(images) }
    }

    func hostedLinks(forTask taskId: String) async -> HostedLinks? {
        stored[taskId]
    }

    func mirroredImage(forTask taskId: String, index: Int?) async -> String? {
        images[taskId]?[index ?? 0]
    }

    private func store(_ result: ResultImages) async -> MirrorOutcome {
        let id = result.taskId
        if let links = stored[id] { return .hosted(links) }
        var data: [Int: String] = [:]
        if let fetcher {
            do {
                if let grid = result.grid { data[0] = try await fetcher.dataURL(for: grid) }
                for (offset, single) in result.singles.enumerated() { data[offset + 1] = try await fetcher.dataURL(for: single) }
            } catch {
                failed[id] = result
                return .failed(reason: "\(error)")
            }
        }
        let links = HostedLinks(grid: result.grid.map { _ in "\(Self.base)\(id).png" },
                                singles: result.singles.indices.map { "\(Self.base)\(id)-\($0 + 1).png" })
        stored[id] = links
        images[id] = data
        return .hosted(links)
    }
}

/// Waits until `condition` holds, checking every few milliseconds; false when `deadline`
/// passed first (only a broken run: callers `#expect` the result).
func eventually(deadline: Duration = .seconds(30), _ condition: () async -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: deadline)
    while clock.now < end {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}
