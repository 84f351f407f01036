import Foundation
import Logging
import Store

/// Delivers the outbox: one worker per network, woken by a signal when lines are committed
/// (or a channel's access changes, or the network registers), never on the caller's task.
///
/// A worker sends its network's owed lines in order per target, each through
/// `ChatTransport.deliver` from the offset confirmed so far, and records what the server
/// confirmed: a line is marked sent only when every piece was confirmed. A refusal holds that
/// target's lines (others go on); an interruption ends the round and keeps the offset. Lines
/// held past the hold time, refused too often or refused for good are dead-lettered: kept
/// with their reason, never sent, logged once. Callers only signal (`wake`); `settled()`
/// waits for the workers (tests, clean shutdown).
public actor OutboxDelivery {
    private let store: any BotStore
    private let transport: any ChatTransport
    private let now: @Sendable () -> Date
    /// Real time, for retry timers and the send timeout: decisions (hold time, retry dates)
    /// read `now`, so a test's manual clock stays exact and a timer never spins.
    private let sleep: @Sendable (Duration) async throws -> Void
    private let rules: DeliveryRules
    private let logger: Logger
    /// Whether the store says a channel was joined from chat (see `DeliveryRules.check`);
    /// asked only when the transport says the bot does not want the channel.
    private let joinedFromChat: @Sendable (_ network: String, _ channel: String) async -> Bool
    /// Several processes on one database: only the holder of a network sends its lines, and
    /// only while its hold is confirmed (nil: this process holds everything).
    private let holding: (any NetworkHolding)?

    /// One per network, spawned when a line for it is committed or at the start.
    private var workers: [String: Worker] = [:]
    /// Finding the networks that owe lines, after a wake that named none.
    private var discovery = WakeCount()
    private var discoveryTask: Task<Void, Never>?
    /// Targets whose lines wait, by network and target: the reason is logged once per hold.
    private var holds: [HoldKey: Hold] = [:]
    /// Targets whose line was being sent when the connection ended, and how often in a row:
    /// they go after the other targets in the next rounds, so a line that breaks the connection
    /// every time (a server filter that kills the bot) cannot keep every other target waiting.
    private var interruptions: [HoldKey: Int] = [:]
    private var settledWaiters: [CheckedContinuation<Void, Never>] = []
    private var isStopped = false
    /// Lines the server confirmed whose mark is not committed yet: a round skips them, so none
    /// is said twice while its mark is on the way.
    private var unmarked: Set<Int64> = []
    /// Per network, lines whose mark was committed since that network's round last read the
    /// outbox: a round that read before the commit still has them as owed and skips them too.
    private var recentlyMarked: [String: Set<Int64>] = [:]
    /// Confirmed lines waiting for the mark writer, which commits all that wait in one
    /// transaction: the worker goes on to the next line instead of waiting for the disk.
    private var pendingMarks: [(id: Int64, network: String, at: Date)] = []
    private var markWriter: Task<Void, Never>?
    /// Per network, per line: how many claims in a row passed it over (its row locked by
    /// another transaction). The retry backs off with it, and a line passed over for long is
    /// logged once.
    private var skipStreaks: [String: [Int64: Int]] = [:]

    /// Wakes asked for and rounds finished: settled when every wake was followed by a round.
    private struct WakeCount {
        var requested = 0
        var done = 0
        var isIdle: Bool { done >= requested }
    }

    private struct Worker {
        var progress = WakeCount()
        let signal: AsyncStream<Void>.Continuation
        let task: Task<Void, Never>
        var retry: Task<Void, Never>?
        var retryAt: ContinuousClock.Instant?
    }

    struct HoldKey: Hashable {
        var network: String
        /// The case-folded channel, or `nick:` and the lower-cased nick.
        var target: String

        init(_ line: OutboxLine) {
            network = line.network
            target = line.channelKey ?? "nick:" + line.target.lowercased()
        }

        init(network: String, channel: String) {
            self.network = network
            target = TaskRoute.fold(channel)
        }
    }

    private struct Hold {
        var reason: String
        /// Not tried before this (nil: until woken, e.g. the bot joins the channel).
        var retryAt: Date?
    }

    private enum RoundEnd {
        case idle
        case retry(after: Duration)
    }

    public init(store: any BotStore, transport: any ChatTransport, policy: DeliveryPolicy = DeliveryPolicy(),
                now: @escaping @Sendable () -> Date,
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                joinedFromChat: @escaping @Sendable (_ network: String, _ channel: String) async -> Bool = { _, _ in false },
                holding: (any NetworkHolding)? = nil,
                logger: Logger) {
        self.joinedFromChat = joinedFromChat
        self.holding = holding
        self.store = store
        self.transport = transport
        self.rules = DeliveryRules(policy: policy)
        self.now = now
        self.sleep = sleep
        self.logger = logger
    }

    // MARK: Signals

    /// Lines were committed (or may be owed, after a start): `network`'s worker runs a round;
    /// without a network, every network that owes lines gets one. Returns at once.
    public func wake(network: String? = nil) {
        guard !isStopped else { return }
        guard let network else {
            discovery.requested += 1
            if discoveryTask == nil { discoveryTask = Task { await self.discover() } }
            return
        }
        if workers[network] == nil { workers[network] = spawn(network) }
        workers[network]?.progress.requested += 1
        workers[network]?.signal.yield()
    }

    /// The bot's standing in a channel changed (joined, voiced, unbanned, a mode change): its
    /// held lines are tried again now.
    public func channelAccessChanged(network: String, channel: String) {
        if let hold = holds.removeValue(forKey: HoldKey(network: network, channel: channel)) {
            logger.info("retrying held lines: the channel's access changed",
                        metadata: ["network": "\(network)", "channel": "\(channel)", "held": "\(hold.reason)"])
        }
        wake(network: network)
    }

    /// Returns once every wake so far was followed by a finished round on each network (lines
    /// that must wait are then held; nothing deliverable is left unattempted). For tests and
    /// a clean shutdown; delivery itself never waits on this.
    public func settled() async {
        guard !isSettled else { return }
        await withCheckedContinuation { settledWaiters.append($0) }
    }

    /// Stops every worker and timer; later wakes do nothing. A worker inside `deliver` gets
    /// `grace` to finish its line (so a confirmed line is marked, not said again at the next
    /// start), then is cancelled; what stays owed goes out after the next start.
    public func shutdown(grace: Duration = .seconds(2)) async {
        isStopped = true
        let running = Array(workers.values)
        workers = [:]
        discoveryTask?.cancel()
        for worker in running {
            worker.retry?.cancel()
            worker.signal.finish()
        }
        let cancelAfterGrace = Task { [sleep] in
            do { try await sleep(grace) } catch { return }
            for worker in running { worker.task.cancel() }
        }
        for worker in running { await worker.task.value }
        cancelAfterGrace.cancel()
        // What the server confirmed is marked before the store closes.
        while let writer = markWriter { await writer.value }
        resumeSettledWaiters()
    }

    private var isSettled: Bool {
        (isStopped || (discovery.isIdle && workers.values.allSatisfy(\.progress.isIdle))) && markWriter == nil
    }

    private func resumeSettledWaiters() {
        guard isSettled else { return }
        let waiters = settledWaiters
        settledWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Workers

    private func discover() async {
        while !discovery.isIdle && !Task.isCancelled {
            let target = discovery.requested
            do {
                for network in try await store.networksOwingLines() { wake(network: network) }
            } catch {
                logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
            }
            discovery.done = target
        }
        discoveryTask = nil
        resumeSettledWaiters()
    }

    private func spawn(_ network: String) -> Worker {
        let (stream, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let task = Task { await self.work(network, signals: stream) }
        return Worker(signal: signal, task: task)
    }

    private func work(_ network: String, signals: AsyncStream<Void>) async {
        for await _ in signals {
            guard !Task.isCancelled, let progress = workers[network]?.progress, !progress.isIdle else { continue }
            let target = progress.requested
            let end = await round(network)
            guard !Task.isCancelled, !isStopped, workers[network] != nil else { break }
            workers[network]?.progress.done = target
            switch end {
            case .idle: break
            case .retry(let after): scheduleRetry(network, after: after)
            }
            resumeSettledWaiters()
        }
    }

    // MARK: Marks

    private func queueMark(_ id: Int64, network: String, at: Date) {
        unmarked.insert(id)
        pendingMarks.append((id, network, at))
        // Its own task, not the worker's: a shutdown cancelling the worker does not cancel a mark.
        if markWriter == nil { markWriter = Task { await self.writeMarks() } }
    }

    private func writeMarks() async {
        while !pendingMarks.isEmpty {
            let batch = pendingMarks
            pendingMarks = []
            let ids = batch.map(\.id)
            do {
                let marked = try await store.markSent(lineIds: ids, at: batch[batch.count - 1].at)
                unmarked.subtract(ids)
                // Said here but already marked: by another process that said it too (a
                // duplicate across a takeover), or superseded meanwhile. Worth a line in the log.
                let markedElsewhere = Set(ids).subtracting(marked)
                if !markedElsewhere.isEmpty {
                    logger.notice("lines said here were already marked sent (by another process, or superseded)",
                                  metadata: ["lines": "\(markedElsewhere.sorted())"])
                }
                for mark in batch { recentlyMarked[mark.network, default: []].insert(mark.id) }
            } catch {
                // Confirmed but the marks did not stick: kept out of this run's rounds, they may
                // be said again after a restart.
                logger.error("cannot mark delivered lines", metadata: ["lines": "\(ids)", "error": "\(error)"])
            }
        }
        markWriter = nil
        resumeSettledWaiters()
    }

    /// One timer per network: the earliest retry wins.
    private func scheduleRetry(_ network: String, after: Duration) {
        guard var worker = workers[network] else { return }
        let at = ContinuousClock.now.advanced(by: after)
        if let existing = worker.retryAt, existing <= at, existing > ContinuousClock.now { return }
        worker.retry?.cancel()
        worker.retryAt = at
        worker.retry = Task { [sleep] in
            do { try await sleep(after) } catch { return }
            self.retryFired(network)
        }
        workers[network] = worker
    }

    private func retryFired(_ network: String) {
        workers[network]?.retryAt = nil
        workers[network]?.retry = nil
        wake(network: network)
    }

    // MARK: A round

    /// Sends what `network` owes now, in order per target; a held or refused target's later
    /// lines wait behind it, other targets go on.
    private func round(_ network: String) async -> RoundEnd {
        if let holding, !(await holding.holds(network)) {
            // Another process holds it: the lines committed here are its to send.
            await holding.wakeHolder(of: network)
            return .idle
        }
        let lines: [OutboxLine]
        // Owed lines another transaction had locked when they were claimed: claimed by a later
        // round, and their targets' later lines wait for them (order per target).
        var skipped: [OutboxLine] = []
        do {
            // Marks committed before this read are seen by it.
            recentlyMarked[network] = nil
            if let holding {
                // Several processes: the database claims the lines for this process's lock
                // session only while that session holds the network, whatever this process
                // believes (the fence below stays: a claim is checked once per round).
                guard let claimant = await holding.claimant(for: network) else {
                    logger.notice("not sending: this process has no lock session holding the network", metadata: ["network": "\(network)"])
                    return .retry(after: rules.policy.interruptedRetry)
                }
                let claim = try await store.claimOwedLines(network: network, claimant: claimant)
                guard claim.isHeld else {
                    logger.notice("not sending: the database says this process's lock session does not hold the network",
                                  metadata: ["network": "\(network)"])
                    // The ownership machine checks its session and drops the network if so.
                    await holding.claimRefused(network)
                    return .retry(after: rules.policy.interruptedRetry)
                }
                lines = claim.lines
                // Rows locked by this process's own mark writer (its batch commits while rounds
                // run) were sent: not a reason to keep their targets waiting.
                skipped = claim.skipped.filter { line in
                    guard let id = line.id else { return false }
                    return !unmarked.contains(id) && recentlyMarked[network]?.contains(id) != true
                }
                countSkips(skipped, network: network)
            } else {
                // One process holds everything (SQLite, or a store without ownership).
                lines = try await store.owedLines(network: network)
            }
        } catch {
            // Cancelled at shutdown: nothing is wrong (a claim left half-done is taken over at once).
            if Task.isCancelled || isStopped { return .idle }
            logger.error("cannot read the outbox", metadata: ["network": "\(network)", "error": "\(error)"])
            return .retry(after: rules.policy.interruptedRetry)
        }
        var firstSkipped: [HoldKey: Int64] = [:]
        for line in skipped {
            guard let id = line.id else { continue }
            firstSkipped[HoldKey(line)] = min(id, firstSkipped[HoldKey(line)] ?? id)
        }
        var blocked: [HoldKey: String] = [:]
        var toHold: [String: [Int64]] = [:]
        var statuses: [String: (ChannelStatus, joinedFromChat: Bool)] = [:]
        var end = RoundEnd.idle
        // Targets interrupted lately go last; each target keeps its own order.
        let ordered = lines.filter { interruptions[HoldKey($0)] == nil } + lines.filter { interruptions[HoldKey($0)] != nil }
        lineLoop: for line in ordered {
            guard let id = line.id, !Task.isCancelled, !isStopped else { break }
            if unmarked.contains(id) || recentlyMarked[network]?.contains(id) == true { continue }
            let key = HoldKey(line)
            if let first = firstSkipped[key], id > first { continue }
            let now = self.now()
            if let reason = rules.expiry(of: line, now: now) {
                await deadLetter(line, offset: line.confirmedOffset, reason: reason)
                continue
            }
            if let reason = blocked[key] {
                if line.heldSince == nil || line.heldReason != reason { toHold[reason, default: []].append(id) }
                continue
            }
            if let hold = holds[key], let retryAt = hold.retryAt, retryAt > now {
                blocked[key] = hold.reason
                if line.heldSince == nil || line.heldReason != hold.reason { toHold[hold.reason, default: []].append(id) }
                continue
            }
            if let channel = line.channelKey {
                let status: (ChannelStatus, joinedFromChat: Bool)
                if let known = statuses[channel] {
                    status = known
                } else {
                    let said = await transport.channelStatus(network: network, channel: line.target)
                    status = (said, said == .notWanted ? await joinedFromChat(network, line.target) : false)
                    statuses[channel] = status
                }
                switch rules.check(channel: line.target, status: status.0, joinedFromChat: status.joinedFromChat) {
                case .send:
                    break
                case .hold(let reason):
                    startHold(key, reason: reason, retryAt: nil)
                    blocked[key] = reason
                    if line.heldSince == nil || line.heldReason != reason { toHold[reason, default: []].append(id) }
                    continue
                case .deadLetter(let reason):
                    await deadLetter(line, offset: line.confirmedOffset, reason: reason)
                    continue
                }
            }
            // A progress line superseded while this round ran is skipped, as at queue time.
            if line.isProgress, (try? await store.isOwed(lineId: id)) == false { continue }
            // The fence, before every line: a process whose hold is no longer confirmed by the
            // database stops here (the line stays owed for whoever holds the network next).
            if let holding, !(await holding.mayDeliver(network)) {
                logger.notice("not sending: this process's hold on the network is not confirmed", metadata: ["network": "\(network)"])
                end = .retry(after: rules.policy.interruptedRetry)
                break lineLoop
            }
            let report = await deliverWithDeadline(line)
            switch rules.step(after: report, line: line, now: self.now()) {
            case .delivered:
                interruptions[key] = nil
                if let hold = holds.removeValue(forKey: key) {
                    logger.info("held lines go out again", metadata: ["network": "\(network)", "target": "\(line.target)",
                                                                      "held": "\(hold.reason)"])
                }
                queueMark(id, network: network, at: self.now())
            case .interrupted(let offset):
                interruptions[key, default: 0] += 1
                if offset > line.confirmedOffset { await recordOffset(id, offset) }
                end = .retry(after: rules.policy.interruptedRetry)
                break lineLoop
            case .hold(let offset, let reason, let retryAt):
                // The hold starts before the write: a voice or unban that arrives while the
                // refusal is being recorded then clears it, instead of being overwritten by it.
                startHold(key, reason: reason, retryAt: retryAt)
                blocked[key] = reason
                let at = self.now()
                do {
                    _ = try await Self.uncancelled { [store] in
                        try await store.recordRefusal(lineId: id, offset: offset, reason: reason, at: at)
                    }
                } catch {
                    logger.error("cannot record a refusal", metadata: ["line": "\(id)", "error": "\(error)"])
                }
            case .deadLetter(let offset, let reason):
                await deadLetter(line, offset: offset, reason: reason)
            }
        }
        for (reason, ids) in toHold {
            let at = self.now()
            do {
                try await Self.uncancelled { [store] in try await store.hold(lineIds: ids, reason: reason, at: at) }
            } catch {
                logger.error("cannot record held lines", metadata: ["network": "\(network)", "error": "\(error)"])
            }
        }
        if case .idle = end {
            // Holds of targets that owe nothing any more (delivered, dead-lettered) are forgotten.
            let owing = Set((lines + skipped).map(HoldKey.init))
            holds = holds.filter { $0.key.network != network || owing.contains($0.key) }
            interruptions = interruptions.filter { $0.key.network != network || owing.contains($0.key) }
            // A locked row is one being changed right now (milliseconds): try it again soon.
            // Nothing else need wake the worker for it (a rolled-back change, or a mark from a
            // process that lost the network, queues no line and notifies nobody).
            if !skipped.isEmpty { end = .retry(after: lockedRetry(network)) }
        }
        guard case .idle = end, !blocked.isEmpty else { return end }
        // Held targets: back at the earliest retry date, and at least every `heldRecheck` so
        // the hold time is enforced even when nothing wakes the worker.
        let now = self.now()
        var wait = rules.policy.heldRecheck
        for key in blocked.keys {
            if let retryAt = holds[key]?.retryAt { wait = min(wait, max(1, retryAt.timeIntervalSince(now))) }
        }
        return .retry(after: .milliseconds(Int64(wait * 1000)))
    }

    /// The streaks of passed-over lines after a claim: lines not passed over this time end
    /// theirs. A line passed over `lockedNoticeAfter` claims in a row is logged, once per streak:
    /// a row kept locked that long is no change in flight but a transaction left open (an
    /// operator's `psql`), and its target stays silent until it ends.
    private func countSkips(_ skipped: [OutboxLine], network: String) {
        let previous = skipStreaks[network] ?? [:]
        var streaks: [Int64: Int] = [:]
        for line in skipped {
            guard let id = line.id else { continue }
            let streak = (previous[id] ?? 0) + 1
            streaks[id] = streak
            if streak == rules.policy.lockedNoticeAfter {
                logger.notice("a line is still passed over: another transaction keeps its row locked",
                              metadata: ["network": "\(network)", "target": "\(line.target)", "line": "\(id)",
                                         "claims": "\(streak)"])
            }
        }
        skipStreaks[network] = streaks.isEmpty ? nil : streaks
    }

    /// `lockedRetry`, doubled for each claim in a row that passed the longest-skipped line
    /// over, up to `maxLockedRetry`: a lock held for long is not asked about every second.
    private func lockedRetry(_ network: String) -> Duration {
        let streak = skipStreaks[network]?.values.max() ?? 1
        var wait = rules.policy.lockedRetry
        for _ in 1..<max(1, min(streak, 32)) {
            wait *= 2
            if wait >= rules.policy.maxLockedRetry { return rules.policy.maxLockedRetry }
        }
        return min(wait, rules.policy.maxLockedRetry)
    }

    /// A hold starts (logged once) or its reason and retry date change (not logged again).
    private func startHold(_ key: HoldKey, reason: String, retryAt: Date?) {
        if holds[key] == nil {
            logger.notice("holding lines", metadata: ["network": "\(key.network)", "target": "\(key.target)",
                                                      "reason": "\(ChatText.truncated(reason, to: 200))"])
        }
        holds[key] = Hold(reason: reason, retryAt: retryAt)
    }

    private func deadLetter(_ line: OutboxLine, offset: Int, reason: String) async {
        guard let id = line.id else { return }
        let at = now()
        do {
            if try await Self.uncancelled({ [store] in try await store.deadLetter(lineId: id, offset: offset, reason: reason, at: at) }) {
                logger.warning("gave up on a line", metadata: ["network": "\(line.network)", "target": "\(line.target)",
                                                              "line": "\(id)", "reason": "\(ChatText.truncated(reason, to: 200))"])
            }
        } catch {
            logger.error("cannot dead-letter a line", metadata: ["line": "\(id)", "error": "\(error)"])
        }
    }

    private func recordOffset(_ id: Int64, _ offset: Int) async {
        do {
            try await Self.uncancelled { [store] in try await store.recordConfirmedOffset(lineId: id, offset: offset) }
        } catch {
            // The confirmed pieces may be said again after the reconnect.
            logger.error("cannot record a confirmed offset", metadata: ["line": "\(id)", "error": "\(error)"])
        }
    }

    /// Runs a store write outside the worker's cancellation: what the server confirmed is
    /// recorded even while the worker is being stopped (a cancelled GRDB write would throw, and
    /// the line would be said again at the next start).
    private static func uncancelled<T: Sendable>(_ write: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await write() }.value
    }

    /// `deliver` from the stored offset, bounded by `sendTimeout`. Past it the attempt is
    /// cancelled, which withdraws it (the transport takes back what it has not written yet,
    /// see `ChatTransport.deliver`), and its own report is waited for, up to `withdrawTimeout`:
    /// the next attempt must not find the line still queued, or it would go out twice on one
    /// connection. Only a transport that does not answer even then counts as interrupted at
    /// the stored offset. When the worker itself is cancelled (shutdown), it does not wait.
    private func deliverWithDeadline(_ line: OutboxLine) async -> DeliveryReport {
        let outgoing = OutgoingChat(network: line.network, target: line.target, text: line.text,
                                    style: ChatStyle(rawValue: line.style) ?? .privmsg, replyTo: line.replyTo, outboxLineID: line.id,
                                    taskId: line.taskId)
        let offset = min(max(0, line.confirmedOffset), outgoing.text.utf8.count)
        // Every piece was confirmed before, only the mark was missing.
        if offset > 0 && offset == outgoing.text.utf8.count { return .confirmed }
        enum Event: Sendable {
            case report(DeliveryReport)
            case timedOut
        }
        let (events, sink) = AsyncStream<Event>.makeStream(bufferingPolicy: .unbounded)
        let transport = self.transport
        let attempt = Task {
            sink.yield(.report(await transport.deliver(outgoing, from: offset)))
        }
        let timeout = rules.policy.sendTimeout
        let timer = Task { [sleep] in
            do { try await sleep(timeout) } catch { return }
            sink.yield(.timedOut)
        }
        defer {
            attempt.cancel()
            timer.cancel()
            sink.finish()
        }
        var iterator = events.makeAsyncIterator()
        switch await iterator.next() {
        case .report(let report)?:
            return report
        case nil:
            // The worker is being stopped; what was not confirmed goes out after the next start.
            return .interrupted(confirmedOffset: offset)
        case .timedOut?:
            break
        }
        logger.warning("a delivery timed out; withdrawing it", metadata: ["network": "\(line.network)", "target": "\(line.target)"])
        attempt.cancel()
        let withdrawTimeout = rules.policy.withdrawTimeout
        let withdrawTimer = Task { [sleep] in
            do { try await sleep(withdrawTimeout) } catch { return }
            sink.yield(.timedOut)
        }
        defer { withdrawTimer.cancel() }
        if case .report(let report)? = await iterator.next() { return report }
        logger.error("a timed-out delivery was not withdrawn in time; it may go out twice",
                     metadata: ["network": "\(line.network)", "target": "\(line.target)"])
        return .interrupted(confirmedOffset: offset)
    }
}
