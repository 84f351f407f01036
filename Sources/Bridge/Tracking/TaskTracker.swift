import Foundation
import Logging
import Store

/// Where the tracker gets fresh task states in bulk (`POST /mj/task/list-by-condition`).
public protocol TaskSource: Sendable {
    /// The proxy's current view of these tasks; unknown ids are simply missing.
    func tasks(ids: [String]) async throws -> [TaskSnapshot]
    /// The proxy's list of recent tasks (`GET /mj/task/list`), to find jobs submitted but never
    /// recorded; nil = this proxy cannot list.
    func recentTasks() async throws -> [TaskSnapshot]?
}

extension TaskSource {
    public func recentTasks() async throws -> [TaskSnapshot]? { nil }
}

/// Follows every task the bot started until it finishes: applies reports from callbacks and
/// polls through `TaskTransition`, polls in batches the tasks it has not heard from lately,
/// times out tasks past their deadline, and signals the outbox's delivery workers after each
/// change (never waiting for delivery).
///
/// With a `ResultImageHost`, a success that links images is not applied where it is seen:
/// its images are mirrored first, in a job of its own (at most `maxConcurrentMirrors` at
/// once), and the job then applies it with the host's links, so a slow download (the host's
/// own deadline, about 20 s) holds up neither the poll loop nor any other task. One job per
/// task: a callback and a poll seeing the same success join the same job, and the transition
/// it commits is the same exactly-once one as without a host.
public actor TaskTracker {
    private let store: any BotStore
    private let delivery: OutboxDelivery
    private let source: any TaskSource
    private let configuration: BridgeConfiguration
    private let clock: BridgeClock
    private let logger: Logger
    /// Prefix, reply style and configured progress policies as of the last reload.
    private let live: LiveSettingsHolder
    /// Counts failed polls as proxy errors for `!stats`.
    private let counters: ActivityCounters?
    /// Jobs submitted and finished, for the operator's metrics.
    private let metrics: BridgeMetrics
    /// Progress policies as changed from chat; nil = the configured ones.
    private let channels: ChannelSettings?
    /// When each task was last asked about; in memory, so after a restart everything is due.
    private var lastPolled: [String: Date] = [:]
    /// The last poll that asked the proxy anything, for `!pending`.
    public private(set) var lastPoll: PollReport?
    /// When the polls started failing without a success since (for `/health`); nil while the
    /// last poll reached the proxy.
    public private(set) var pollFailingSince: Date?
    /// Where results are mirrored before their line is committed; nil: the proxy's links.
    private let imageHost: (any ResultImageHost)?
    private let mirrorSlots: MirrorSlots
    /// The mirror jobs running or waiting for a slot, by task id; each removes itself when done.
    private var mirrorJobs: [String: Task<ApplyOutcome, Never>] = [:]
    /// Set by `stopMirroring()`: no new jobs, and running ones commit nothing.
    private var mirroringStopped = false
    /// Several processes on one database: a task is polled and expired only by the holder of
    /// its network (nil: this process holds everything). Callbacks are applied anywhere.
    private let holding: (any NetworkHolding)?

    public init(store: any BotStore, delivery: OutboxDelivery, source: any TaskSource, configuration: BridgeConfiguration,
                clock: BridgeClock, logger: Logger, channels: ChannelSettings? = nil, live: LiveSettingsHolder? = nil,
                counters: ActivityCounters? = nil, metrics: BridgeMetrics = .none, imageHost: (any ResultImageHost)? = nil,
                holding: (any NetworkHolding)? = nil) {
        self.imageHost = imageHost
        self.holding = holding
        self.mirrorSlots = MirrorSlots(count: configuration.maxConcurrentMirrors)
        self.store = store
        self.channels = channels
        self.delivery = delivery
        self.source = source
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.live = live ?? LiveSettingsHolder(LiveSettings(configuration))
        self.counters = counters
        self.metrics = metrics
    }

    /// Records a task the proxy just accepted, with the lines owed for it (the
    /// acknowledgement), and has them delivered (returns once they are committed). If a callback got there first and adopted the
    /// task through its `state`, the richer record from the command replaces what it knew.
    /// `intent` is the intent row the submission was made for: it is closed as accepted in the
    /// transaction that records the task.
    public func track(_ task: TaskRecord, lines: [OutboxLine], intent: String? = nil) async throws {
        do {
            try await store.insert(task, lines: lines, acceptingIntent: intent, at: clock.now())
            metrics.jobSubmitted()
        } catch {
            guard try await store.task(id: task.id) != nil else { throw error }
            // Either a callback adopted the task first, or this insert committed although its
            // COMMIT's outcome was reported unknown (a lost database connection, see
            // `BotStore`): lines it already queued for the task are not queued twice.
            let already = try await store.lines(forTask: task.id)
            let missing = lines.filter { line in
                !already.contains { $0.network == line.network && $0.target == line.target && $0.text == line.text }
            }
            let adopted = task
            _ = try await store.update(taskId: task.id) { existing, queued in
                existing.kind = adopted.kind
                existing.prompt = adopted.prompt
                existing.parentId = adopted.parentId
                existing.account = adopted.account
                existing.userKey = adopted.userKey
                // The result was already said (it carries the ref): an acknowledgement now
                // would only announce a job that is over.
                if !existing.isTerminal { queued = missing }
                return true
            }
            if let intent { try await store.acceptIntent(id: intent, taskId: task.id, at: clock.now()) }
            metrics.jobSubmitted()
        }
        await delivery.wake(network: task.network)
    }

    /// Applies one report from the proxy about a task (a poll or fetch result; never a
    /// callback body, which is only a hint to ask). `awaitingMirror`: a success to mirror is
    /// waited for and its outcome returned; otherwise `.applied` comes back at once and the
    /// result line follows from the mirror job. Chat commands (`!status`, `!cancel`) do not
    /// wait: they run in the transport's few command slots, and a mirror can take a minute
    /// (its deadline, plus its turn for a mirror slot after a restart with many results owed).
    @discardableResult
    public func apply(_ snapshot: TaskSnapshot, awaitingMirror: Bool = true) async -> ApplyOutcome {
        let outcome = await applyWithoutDelivery(snapshot, awaitingMirror: awaitingMirror)
        if outcome == .applied { await delivery.wake() }
        return outcome
    }

    /// Applies a batch of reports (one poll or hint request) in one store transaction: one
    /// read of the known tasks, one commit for all. Reports about unknown tasks take the
    /// single path, where adoption lives.
    private func applyWithoutDelivery(_ snapshots: [TaskSnapshot]) async {
        let known: [String: TaskRecord]
        do {
            known = try await store.tasks(ids: snapshots.map(\.id))
        } catch {
            logger.error("cannot read the tasks of a report", metadata: ["error": "\(error)"])
            return
        }
        var entries: [(snapshot: TaskSnapshot, transition: TaskTransition)] = []
        for snapshot in snapshots {
            if let record = known[snapshot.id] {
                // A success to mirror goes its own way; the rest of the batch does not wait for it.
                if startMirrorIfNeeded(snapshot, record) != nil { continue }
                entries.append((snapshot, await transition(for: record, ref: "")))
            } else {
                _ = await applyWithoutDelivery(snapshot, awaitingMirror: false)
            }
        }
        guard !entries.isEmpty else { return }
        let batch = entries
        do {
            // Short references are read inside the transaction, and only for tasks that say something.
            let now = clock.now()
            let results = try await store.updateTasks(ids: batch.map(\.snapshot.id)) { position, task, lines, reference -> Finished? in
                let wasTerminal = task.isTerminal
                _ = batch[position].transition.apply(batch[position].snapshot, to: &task, lines: &lines, reference: reference)
                return wasTerminal ? nil : Self.finished(task, at: now)
            }
            // Jobs that ended in this batch, counted after the write committed.
            for case let finished?? in results { metrics.jobFinished(finished.outcome, finished.seconds) }
        } catch {
            logger.error("cannot apply task reports", metadata: ["tasks": "\(batch.count)", "error": "\(error)"])
        }
    }

    /// `awaitingMirror`: a success whose images are mirrored first is waited for and its
    /// outcome returned; otherwise `.applied` is returned at once (its line follows from the job).
    private func applyWithoutDelivery(_ snapshot: TaskSnapshot, awaitingMirror: Bool) async -> ApplyOutcome {
        do {
            var record = try await store.task(id: snapshot.id)
            if record == nil {
                record = try await adopt(snapshot)
            }
            guard let record else { return .unknownTask }
            if let job = startMirrorIfNeeded(snapshot, record) {
                return awaitingMirror ? await job.value : .applied
            }
            return try await commit(snapshot, to: record, mirror: nil)
        } catch {
            logger.error("cannot apply a task report", metadata: ["task": "\(snapshot.id)", "error": "\(error)"])
            return .duplicateOrStale
        }
    }

    /// Applies `snapshot` to the stored task in one transaction, with the mirror's outcome for
    /// the links of a result line.
    private func commit(_ snapshot: TaskSnapshot, to record: TaskRecord, mirror: MirrorOutcome?) async throws -> ApplyOutcome {
        // The short reference is read inside the transaction, and only if a line is said;
        // the job's end is counted after the write commits, from what the write saw.
        var prepared = await transition(for: record, ref: "")
        prepared.mirror = mirror
        let transition = prepared
        let now = clock.now()
        let result = try await store.updateTask(id: snapshot.id) { task, lines, reference -> (ApplyOutcome, Finished?) in
            let wasTerminal = task.isTerminal
            let outcome = transition.apply(snapshot, to: &task, lines: &lines, reference: reference)
            return (outcome, wasTerminal ? nil : Self.finished(task, at: now))
        }
        guard let result else { return .unknownTask }
        if let finished = result.1 { metrics.jobFinished(finished.outcome, finished.seconds) }
        return result.0
    }

    // MARK: Mirroring results

    /// Starts (or joins) the mirror job of a success that links images, when a host is set;
    /// nil when `snapshot` is to be applied as it is.
    private func startMirrorIfNeeded(_ snapshot: TaskSnapshot, _ record: TaskRecord) -> Task<ApplyOutcome, Never>? {
        guard let host = imageHost, let images = TaskTransition.imagesToMirror(snapshot, for: record) else { return nil }
        if let running = mirrorJobs[snapshot.id] { return running }
        // Stopping: applied by the next start, which asks the proxy again.
        guard !mirroringStopped else { return Task { .duplicateOrStale } }
        let job = Task { await self.mirrorThenCommit(snapshot, images: images, host: host) }
        mirrorJobs[snapshot.id] = job
        return job
    }

    /// Mirrors, then commits the result line with the host's links (or the proxy's when the
    /// host is off or failed: it retries on its own, and `!status` shows its link later).
    ///
    /// A crash between the mirror and the commit loses nothing: the task is still pending in
    /// the store, the next start polls it, sees the success again and mirrors again, which the
    /// host answers from what it already stored (mirroring is idempotent per task), and only
    /// then is the line committed, once.
    private func mirrorThenCommit(_ snapshot: TaskSnapshot, images: ResultImages, host: any ResultImageHost) async -> ApplyOutcome {
        defer { mirrorJobs[snapshot.id] = nil }
        await mirrorSlots.acquire()
        // Said meanwhile (a job that ended just before this one started): no second download.
        let record: TaskRecord?
        do {
            record = try await store.task(id: snapshot.id)
        } catch {
            await mirrorSlots.release()
            logger.error("cannot read a task to mirror", metadata: ["task": "\(snapshot.id)", "error": "\(error)"])
            return .duplicateOrStale
        }
        guard !mirroringStopped, let record, TaskTransition.imagesToMirror(snapshot, for: record) != nil else {
            await mirrorSlots.release()
            return record == nil ? .unknownTask : .duplicateOrStale
        }
        let outcome = await MirrorDeadline.mirror(images, with: host, limit: configuration.mirrorDeadline, clock: clock)
        await mirrorSlots.release()
        if case .failed(let reason) = outcome {
            logger.warning("mirroring a result failed; the proxy's links are posted",
                           metadata: ["task": "\(snapshot.id)", "reason": "\(reason)"])
        }
        // Stopped while downloading (shutdown): the next start commits it.
        guard !mirroringStopped else { return .duplicateOrStale }
        do {
            // The record as it is now: a report may have moved it while the download ran.
            guard let current = try await store.task(id: snapshot.id) else { return .unknownTask }
            let applied = try await commit(snapshot, to: current, mirror: outcome)
            if applied == .applied { await delivery.wake(network: current.network) }
            return applied
        } catch {
            logger.error("cannot apply a mirrored result", metadata: ["task": "\(snapshot.id)", "error": "\(error)"])
            return .duplicateOrStale
        }
    }

    /// True while the result of `taskId` is being mirrored (its line is not committed yet).
    public func isMirroring(_ taskId: String) -> Bool {
        mirrorJobs[taskId] != nil
    }

    /// Mirror jobs waiting for a free slot (not yet downloading).
    var mirrorsWaitingForSlot: Int {
        get async { await mirrorSlots.waitingCount }
    }

    /// Returns once no mirror job is running or waiting (tests, a clean shutdown).
    public func mirrorsSettled() async {
        while let job = mirrorJobs.values.first {
            _ = await job.value
        }
    }

    /// No more mirror jobs start, and those running commit nothing when their download ends:
    /// the process is stopping, and the next start polls those tasks and mirrors them again.
    public func stopMirroring() {
        mirroringStopped = true
    }

    /// A task the store does not know but whose `state` is one we signed, naming a route we
    /// would send to: the bot crashed (or lost the proxy's answer) between the proxy accepting
    /// it and recording it. Route it anyway. When the state names an intent row, the task is
    /// recorded as that submission (who, what, which parent) and the intent closed with it, in
    /// one transaction. Anything else (unsigned, tampered, another network) is not ours to say.
    private func adopt(_ snapshot: TaskSnapshot) async throws -> TaskRecord? {
        guard let key = configuration.routeStateKey,
              case .valid(let signed) = SignedRouteState.verify(snapshot.state, with: key),
              configuration.routeTargets.accepts(signed) else { return nil }
        let now = clock.now()
        var intent: IntentRecord?
        if let intentId = signed.intent {
            intent = try await store.intent(id: intentId)
            // Our own row, but it must agree with the signed route it claims to be for.
            if let found = intent, found.network != signed.route.network || found.channel != signed.route.channel
                || found.nick != signed.route.nick { intent = nil }
        }
        var record = TaskRecord(id: snapshot.id, route: intent?.route ?? signed.route,
                                kind: intent?.kind ?? (snapshot.action ?? "task").lowercased(),
                                action: snapshot.action, prompt: intent?.prompt ?? snapshot.prompt ?? "",
                                status: "NOT_START", statusRank: 0, parentId: intent?.parentId,
                                createdAt: intent?.createdAt ?? now, deadline: now.addingTimeInterval(configuration.taskDeadline))
        record.userKey = intent?.userKey
        do {
            try await store.insert(record, lines: [], acceptingIntent: intent?.id, at: now)
        } catch {
            // Inserted concurrently by the command that started it: use that.
            guard let existing = try await store.task(id: snapshot.id) else { throw error }
            if let intent { try await store.acceptIntent(id: intent.id, taskId: snapshot.id, at: now) }
            return existing
        }
        logger.notice("adopted a task from its state",
                      metadata: ["task": "\(snapshot.id)", "intent": "\(intent?.id ?? "-")"])
        return record
    }

    // MARK: Intents

    /// Open intents written at least `minimumAge` ago are looked for in the proxy's task list
    /// (where it has one) and adopted; those unmatched after the grace period are declared
    /// lost and their users told, once. Run at start (`recover`) and periodically.
    public func reconcileIntents(minimumAge: TimeInterval) async {
        let now = clock.now()
        var open: [IntentRecord]
        do {
            open = try await store.openIntents(createdUpTo: now.addingTimeInterval(-minimumAge))
        } catch {
            // A shutdown cancelled the work: nothing went wrong.
            guard !(error is CancellationError) else { return }
            logger.error("cannot read open intents", metadata: ["error": "\(error)"])
            return
        }
        guard !open.isEmpty else { return }
        // Each holder looks after the submissions of its own networks.
        open = await heldOnly(open, network: \.network)
        guard !open.isEmpty else { return }
        let listing: IntentReconciliation.Listing
        do {
            if let tasks = try await source.recentTasks() { listing = .tasks(tasks) } else { listing = .cannotList }
        } catch {
            logger.warning("cannot read the proxy's task list", metadata: ["error": "\(error)"])
            listing = .failed
        }
        let rules = IntentReconciliation(gracePeriod: configuration.intentGracePeriod,
                                         gracePeriodWithoutListing: configuration.taskDeadline)
        let plan = rules.plan(open: open, listing: listing, key: configuration.routeStateKey, now: now)
        for (intentId, snapshot) in plan.adopt {
            let outcome = await applyWithoutDelivery(snapshot, awaitingMirror: false)
            if outcome == .unknownTask { continue }
            // Known already (recorded by a path that left the intent open): close it.
            do {
                try await store.acceptIntent(id: intentId, taskId: snapshot.id, at: now)
            } catch {
                logger.error("cannot close an intent", metadata: ["intent": "\(intentId)", "error": "\(error)"])
            }
        }
        let settings = live.current
        for intent in plan.lost {
            let text = settings.renderer(network: intent.network).lostTrack(kind: intent.kind, prompt: intent.prompt)
            let outgoing = settings.addressing.reply(network: intent.network, channel: intent.channel, nick: intent.nick, text)
            let line = OutboxLine(network: outgoing.network, target: outgoing.target, isChannel: intent.channel != nil,
                                  text: outgoing.text, style: outgoing.style.rawValue, createdAt: now, replyTo: intent.replyTo)
            do {
                if try await store.declareIntentLost(id: intent.id, at: now, lines: [line]) {
                    metrics.intentLost()
                    logger.warning("lost track of a submission; the user is told",
                                   metadata: ["intent": "\(intent.id)", "network": "\(intent.network)", "kind": "\(intent.kind)"])
                }
            } catch {
                logger.error("cannot declare an intent lost", metadata: ["intent": "\(intent.id)", "error": "\(error)"])
            }
        }
        if !plan.lost.isEmpty { await delivery.wake() }
    }

    private func transition(for record: TaskRecord, ref: String) async -> TaskTransition {
        let settings = live.current
        let policy = await channels?.progressPolicy(network: record.network, channel: record.channel)
            ?? settings.progressPolicy(network: record.network, channel: record.channel)
        return TaskTransition(renderer: settings.renderer(network: record.network), addressing: settings.addressing,
                              throttle: ProgressThrottle(policy: policy, minimumInterval: configuration.progressMinimumInterval),
                              ref: ref, now: clock.now())
    }

    /// Asks the proxy about these ids now (they were hinted by callbacks) in batches, and
    /// applies only what it answers. An id the store lacks is adopted only when the proxy's
    /// own answer carries a validly signed `state`: a hint's state merely earned the question.
    public func refresh(ids: [String]) async {
        var start = 0
        while start < ids.count {
            let batch = Array(ids[start..<min(start + configuration.pollBatchSize, ids.count)])
            start += configuration.pollBatchSize
            do {
                let wanted = Set(batch)
                let snapshots = try await source.tasks(ids: batch)
                await applyWithoutDelivery(snapshots.filter { wanted.contains($0.id) })
            } catch {
                // Known tasks are polled anyway; an orphan gets its chance with its next callback.
                logger.warning("asking the proxy about hinted tasks failed", metadata: ["error": "\(error)"])
                break
            }
        }
        await delivery.wake()
    }

    /// After a start: the networks that owe lines get their delivery workers, and everything
    /// pending is polled at once.
    public func recover() async {
        await delivery.wake()
        await poll(everything: true)
        // Submissions the last run made but never recorded: found in the proxy's list now, or
        // told as lost once their grace period is over (the periodic round).
        await reconcileIntents(minimumAge: 0)
    }

    /// One polling cycle: asks the proxy about due tasks in batches, then times out tasks
    /// past their deadline, then delivers.
    public func poll(everything: Bool = false) async {
        let now = clock.now()
        // Only the ids due and the earliest deadline are kept from the pending list: with a
        // long backlog the whole records (prompts, routes) would stay alive through every
        // batch of the cycle (mjbridge-bench tracking: RSS).
        let due: [String]
        let earliestDeadline: Date?
        do {
            // Only the holder of a task's network polls it (several processes on one database).
            let pending = await heldOnly(try await store.pendingTasks(), network: \.network)
            let pendingIds = Set(pending.map(\.id))
            lastPolled = lastPolled.filter { pendingIds.contains($0.key) }
            due = pending.filter {
                everything || configuration.pollSchedule.isDue(createdAt: $0.createdAt, lastHeard: $0.lastHeardAt,
                                                                lastPolled: lastPolled[$0.id], now: now)
            }.map(\.id)
            earliestDeadline = pending.lazy.map(\.deadline).min()
        } catch {
            // A shutdown cancelled the work: nothing went wrong.
            guard !(error is CancellationError) else { return }
            logger.error("cannot list pending tasks", metadata: ["error": "\(error)"])
            return
        }
        var start = 0
        while start < due.count {
            let batch = Array(due[start..<min(start + configuration.pollBatchSize, due.count)])
            start += configuration.pollBatchSize
            for id in batch { lastPolled[id] = now }
            do {
                let wanted = Set(batch)
                let snapshots = try await source.tasks(ids: batch)
                lastPoll = PollReport(at: now, failure: nil)
                pollFailingSince = nil
                await applyWithoutDelivery(snapshots.filter { wanted.contains($0.id) })
            } catch {
                // The proxy is down or refusing: try again next cycle, the deadline still runs.
                logger.warning("polling the proxy failed", metadata: ["error": "\(error)"])
                lastPoll = PollReport(at: now, failure: "\(error)")
                if pollFailingSince == nil { pollFailingSince = now }
                counters?.recordProxyError()
                break
            }
        }
        // The deadline check reads every pending task again; skipped when none of those just
        // read is due by now (a task recorded meanwhile has its whole deadline ahead of it).
        if let earliestDeadline, earliestDeadline <= clock.now() { await expireOverdue() }
        await delivery.wake()
    }

    /// The items of the networks this process holds (all of them without `holding`).
    private func heldOnly<T>(_ items: [T], network: (T) -> String) async -> [T] {
        guard let holding else { return items }
        var answers: [String: Bool] = [:]
        var kept: [T] = []
        for item in items {
            let name = network(item)
            let held: Bool
            if let known = answers[name] { held = known } else {
                held = await holding.holds(name)
                answers[name] = held
            }
            if held { kept.append(item) }
        }
        return kept
    }

    struct Finished: Sendable {
        var outcome: TaskOutcome
        var seconds: Double
    }

    /// How a task that just became terminal ended, and how long after it was recorded.
    static func finished(_ task: TaskRecord, at now: Date) -> Finished? {
        TaskOutcome(task).map { Finished(outcome: $0, seconds: max(0, now.timeIntervalSince(task.createdAt))) }
    }

    /// Tasks past their deadline are reported as timed out, once (the delivery workers are
    /// signalled when any was).
    public func expireOverdue() async {
        let now = clock.now()
        var expired = 0
        do {
            // A task whose success is being mirrored has its result: not timed out.
            let pending = await heldOnly(try await store.pendingTasks(), network: \.network)
            for task in pending where task.deadline <= now && mirrorJobs[task.id] == nil {
                let ref = try await store.shortReference(for: task)
                let transition = await transition(for: task, ref: ref)
                let minutes = Int((configuration.taskDeadline / 60).rounded())
                let finished = try await store.update(taskId: task.id) { task, lines -> Finished? in
                    let wasTerminal = task.isTerminal
                    _ = transition.timeOut(&task, lines: &lines, deadlineMinutes: minutes)
                    return wasTerminal ? nil : Self.finished(task, at: now)
                }
                if let finished = finished ?? nil { metrics.jobFinished(finished.outcome, finished.seconds) }
                lastPolled[task.id] = nil
                expired += 1
            }
        } catch {
            logger.error("cannot expire overdue tasks", metadata: ["error": "\(error)"])
        }
        if expired > 0 { await delivery.wake() }
    }
}

/// How the last poll that asked the proxy went.
public struct PollReport: Sendable, Hashable {
    public var at: Date
    /// Why the proxy could not be asked (a readable error); nil = it answered.
    public var failure: String?

    public init(at: Date, failure: String?) {
        self.at = at
        self.failure = failure
    }
}
