/// Switches for failure injection and inspection, usable while the simulator runs.
public final class SimulatorControls: Sendable {
    private let core: SimulatedProxy
    private let dispatcher: CallbackDispatcher

    init(core: SimulatedProxy, dispatcher: CallbackDispatcher) {
        self.core = core
        self.dispatcher = dispatcher
    }

    public var switches: SimulatorSwitches { get async { await core.switches } }

    /// Changes any switches at once.
    public func update(_ body: @Sendable (inout SimulatorSwitches) -> Void) async {
        await core.update(body)
    }

    public func dropCallbacks(fraction: Double) async { await update { $0.callbackDropFraction = fraction } }
    public func duplicateCallbacks(fraction: Double) async { await update { $0.callbackDuplicateFraction = fraction } }
    public func reorderCallbacks(_ on: Bool) async { await update { $0.callbackReorder = on } }
    public func delayCallbacks(_ delay: Duration) async { await update { $0.callbackDelay = delay } }
    /// Answer this fraction of `/mj` requests with HTTP 500 or 502 (or the given statuses).
    public func failRequests(fraction: Double, statuses: [Int] = [500, 502]) async {
        await update {
            $0.httpErrorFraction = fraction
            $0.httpErrorStatuses = statuses
        }
    }
    public func slowResponses(_ delay: Duration) async { await update { $0.responseDelay = delay } }
    /// Running tasks stop progressing above this percentage; nil lets them continue.
    public func stick(atPercent percent: Int?) async { await update { $0.stuckAtPercent = percent } }
    public func setOutage(_ on: Bool) async { await update { $0.outage = on } }
    public func setRemix(_ on: Bool) async { await update { $0.remix = on } }
    /// trueai: whether finished grids list their single images (`imageUrls`).
    public func setSingleImageLinks(_ on: Bool) async { await update { $0.singleImageLinks = on } }
    public func setBannedWords(_ words: [String]) async { await update { $0.bannedWords = words } }
    /// Whether `GET /mj/task/list` is served (false: 404, like a gateway that does not relay it).
    public func setTaskListAvailable(_ on: Bool) async { await update { $0.taskListAvailable = on } }
    /// The next `count` accepted submits create their task but their answer is held for
    /// `delay`, then replaced by a 504: the proxy took the job, the client never heard.
    public func loseSubmitAnswers(_ count: Int = 1, heldFor delay: Duration = .seconds(60)) async {
        await update {
            $0.loseSubmitAnswers = count
            $0.lostAnswerDelay = delay
        }
    }

    /// The next `count` tasks accepted fail after their first progress with `reason`.
    public func failNextTasks(_ count: Int = 1, reason: String) async {
        await core.failNextTasks(count, reason: reason)
    }

    /// The next `count` tasks accepted succeed with `url` as their result's `imageUrl`, verbatim
    /// (hostile text a proxy could hand back: control characters, huge strings).
    public func replaceImageUrlOfNextTasks(_ count: Int = 1, with url: String) async {
        await core.replaceImageUrlOfNextTasks(count, with: url)
    }

    /// Every image link handed out so far answers 403 "This content is no longer available."
    public func expireImageLinksNow() async { await core.expireImageLinks() }
    /// The image links answer 503 (the API keeps working) until switched back.
    public func setImageHostDown(_ on: Bool) async { await update { $0.imageHostDown = on } }

    /// Finishes a parked task (see `stick(atPercent:)`) now with SUCCESS, which posts its
    /// callback; false when `taskId` is not parked. Benchmarks pace completions with it.
    @discardableResult
    public func completeParked(_ taskId: String) async -> Bool {
        await core.completeParked(taskId)
    }

    /// The tasks parked by `stick(atPercent:)`: id and prompt, in submission order.
    public func parkedTasks() async -> [(id: String, prompt: String)] {
        await core.parkedTasks()
    }

    /// `observer(taskId, status)` is called as each callback POST starts (nil: no observer).
    /// Benchmarks take the moment a callback leaves the proxy from it.
    public func observeCallbackPosts(_ observer: (@Sendable (_ taskId: String, _ status: String) -> Void)?) async {
        await dispatcher.setObserver(observer)
    }

    public func stats() async -> SimulatorStats {
        var s = await core.stats
        let counts = await dispatcher.counts
        s.callbacksDelivered = counts.delivered
        s.callbacksFailed = counts.failed
        return s
    }

    /// A task's JSON exactly as fetch would return it (nil if unknown).
    public func taskJSON(_ id: String) async -> String? {
        await core.taskSnapshot(id)?.serializedString
    }
}
