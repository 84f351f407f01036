import Foundation
import MidjourneyAPI
import Store

/// One command being run: the invocation, who asked, and the bridge's parts, with the
/// helpers every command needs (reply, resolve a task reference, record a new task).
struct CommandContext: Sendable {
    let bridge: ChatBridge
    let invocation: CommandInvocation
    /// The sender's role, decided before the command runs (after an account lookup if needed).
    let role: Role

    var isOwner: Bool { role == .owner }
    /// Admins and owners: may cancel anyone's task and see anyone's task details.
    var isAdmin: Bool { role >= .admin }
    /// The admitted job this command runs under, for job commands (see `LimitGate`).
    var job: JobTicket? = nil

    var event: ChatEvent { invocation.event }
    var client: MidjourneyClient { bridge.client }
    var store: any BotStore { bridge.store }
    /// Command names in texts carry the prefix of the network the command came from.
    var renderer: TaskRenderer { bridge.live.current.renderer(network: event.network) }
    var prefix: String { bridge.live.current.commandPrefix(network: event.network) }
    var words: [String] { invocation.words }

    /// Where this command's results go.
    var route: TaskRoute {
        TaskRoute(network: event.network, channel: event.target.channelName, nick: event.sender, account: event.account,
                  replyTo: event.replyTo)
    }

    var notifyHook: String? { bridge.configuration.notifyHook }

    func run() async {
        guard JobCommands.sendsText(invocation.spec) else { return await dispatch() }
        await runAdmitted()
    }

    func dispatch() async {
        switch invocation.spec.name {
        case BridgeCommands.imagine.name: await imagine(niji: false)
        case BridgeCommands.niji.name: await imagine(niji: true)
        case BridgeCommands.upscale1to4.name: await gridButton(letter: "u")
        case BridgeCommands.variation1to4.name: await gridButton(letter: "v")
        case BridgeCommands.reroll.name: await reroll()
        case BridgeCommands.vary.name: await vary()
        case BridgeCommands.zoom.name: await zoom()
        case BridgeCommands.pan.name: await pan()
        case BridgeCommands.upscale.name: await upscale()
        case BridgeCommands.region.name: await region()
        case BridgeCommands.remix.name: await remix()
        case BridgeCommands.button.name: await pressAny()
        case BridgeCommands.describe.name: await describe()
        case BridgeCommands.pick.name: await pick()
        case BridgeCommands.blend.name: await blend()
        case BridgeCommands.faceswap.name: await faceswap()
        case BridgeCommands.shorten.name: await shorten()
        case BridgeCommands.seed.name: await seed()
        case BridgeCommands.status.name: await status()
        case BridgeCommands.cancel.name: await cancel()
        case BridgeCommands.tasks.name: await listTasks()
        case LimitCommands.quota.name: await quota()
        case OwnerCommands.join.name: await joinChannel()
        case OwnerCommands.part.name: await partChannel()
        case OwnerCommands.progress.name: await progressSetting()
        case OwnerCommands.pending.name: await pendingReport()
        case AdminCommands.pause.name: await pauseJobs()
        case AdminCommands.resume.name: await resumeJobs()
        case AdminCommands.ignore.name: await ignoreSender()
        case AdminCommands.unignore.name: await unignoreSender()
        case AdminCommands.ignored.name: await listIgnored()
        case AdminCommands.audit.name: await showAudit()
        case AdminCommands.admin.name: await adminChange()
        case AdminCommands.admins.name: await listAdmins()
        case OperatorCommands.reload.name: await reloadConfiguration()
        case OperatorCommands.stats.name: await statsReport()
        default:
            bridge.logger.error("command without a handler", metadata: ["command": "\(invocation.spec.name)"])
        }
    }

    // MARK: Replies

    func reply(_ text: String) async {
        await bridge.send(bridge.addressing.reply(to: event, text))
    }

    func usage() async {
        CommandOutcomeCell.mark(.usage)
        let spec = invocation.spec
        // An admin command given wrong is still an admin action the audit log shows.
        if spec.minimumRole >= .admin {
            await audit("refused: usage", target: ChatBridge.auditTarget(invocation))
        }
        await reply("Usage: \(prefix)\(invocation.invokedName)\(spec.usage.isEmpty ? "" : " \(spec.usage)")")
    }

    func fail(_ error: MJError) async {
        CommandOutcomeCell.mark(.error)
        bridge.counters.recordProxyError()
        if case .apiKeyRejected = error {
            bridge.logger.critical("the proxy rejected the API key", metadata: ["error": "\(error)"])
        } else {
            bridge.logger.warning("proxy request failed", metadata: ["command": "\(invocation.spec.name)", "error": "\(error)"])
        }
        await reply(ProxyErrorText.sentence(for: error, forOwner: isOwner, prefix: prefix))
    }

    func storeFailed(_ error: any Error) async {
        CommandOutcomeCell.mark(.error)
        bridge.logger.error("store failure", metadata: ["error": "\(error)"])
        await reply("Something went wrong on my side; the admins can find it in the log.")
    }

    // MARK: Task references

    /// A word that can only be a task reference: digits, at least four.
    static func isReference(_ word: String) -> Bool {
        word.count >= ShortReference.minimumLength && word.allSatisfy(\.isASCII) && word.allSatisfy(\.isNumber)
    }

    /// The task a command is about: the one `reference` names, or else the caller's newest
    /// task here that satisfies `predicate`. Answers the user itself when there is none.
    /// A task this conversation may not see (`TaskPrivacy`) is answered like one that does
    /// not exist, so nothing about it leaks.
    func resolve(_ reference: String?, lacking: String,
                 where predicate: @escaping @Sendable (TaskRecord) -> Bool) async -> TaskRecord? {
        let privacy = self.privacy
        do {
            if let reference {
                var resolution = try await store.resolveReference(reference, scopeKey: route.scopeKey, network: event.network)
                switch resolution {
                case .found(let task) where !privacy.maySee(task): resolution = .notFound
                case .ambiguous(let tasks):
                    let visible = tasks.filter(privacy.maySee)
                    resolution = visible.count == 1 ? .found(visible[0]) : visible.isEmpty ? .notFound : .ambiguous(visible)
                default: break
                }
                switch resolution {
                case .found(let task):
                    return task
                case .ambiguous(let tasks):
                    let ids = tasks.map(\.id)
                    let options = tasks.prefix(4).map { task in
                        "\(ShortReference.make(for: task.id, among: ids)) \(renderer.subject(kind: task.kind, prompt: task.prompt))"
                    }
                    await reply("ref \(reference) fits \(tasks.count) tasks here: \(options.joined(separator: ", ")) — give more digits.")
                    return nil
                case .notFound:
                    // `!pending` names refs from every conversation; an admin may act on them
                    // from anywhere (e.g. `!cancel 1828` in private).
                    if isAdmin {
                        let (task, answered) = await pendingTaskForAdmin(reference)
                        if task != nil || answered { return task }
                    }
                    await reply("I know no task \(ChatText.truncated(reference, to: 30)) here.")
                    return nil
                }
            }
            if let task = try await store.mostRecentTask(of: route, where: { predicate($0) && privacy.maySee($0) }) { return task }
            await reply(lacking.isEmpty ? "You have no tasks here yet."
                                        : "You have no task here \(lacking); add a ref (see \(prefix)tasks).")
            return nil
        } catch {
            await storeFailed(error)
            return nil
        }
    }

    /// The one pending task on this network whose id ends with `reference`, for an admin
    /// outside the task's conversation; several are listed with where they run.
    /// `answered` is true when the caller was already told something (several matches).
    private func pendingTaskForAdmin(_ reference: String) async -> (task: TaskRecord?, answered: Bool) {
        guard let pending = try? await store.pendingTasks() else { return (nil, false) }
        let matches = pending.filter { $0.network == event.network && $0.id.hasSuffix(reference) }
        guard matches.count > 1 else { return (matches.first, false) }
        let options = matches.prefix(4).map { "\($0.id) in \($0.channel ?? "private")" }
        await reply("ref \(reference) fits \(matches.count) pending tasks: \(options.joined(separator: ", ")) — give the full id.")
        return (nil, true)
    }

    func ref(of task: TaskRecord) async -> String {
        (try? await store.shortReference(for: task)) ?? String(task.id.suffix(ShortReference.minimumLength))
    }

    // MARK: Intents

    /// Writes the intent row for a submission about to be sent, before the proxy is asked, and
    /// returns it with the signed `state` naming it. Nil (the user told) when it cannot be
    /// written: a job the bot could lose without a word is not sent.
    func beginSubmission(kind: String, prompt: String, parentId: String? = nil) async -> PendingSubmission? {
        let intent = IntentRecord(id: bridge.intentIds.make(), route: route, userKey: LimitIdentity.key(of: event), kind: kind,
                                  prompt: prompt, parentId: parentId, createdAt: bridge.clock.now())
        do {
            try await store.recordIntent(intent)
        } catch {
            // The write may have been saved all the same (its COMMIT's outcome unknown, see
            // `BotStore`): the job is not sent, so an intent row left open would later be
            // reported to the user as a job the bot lost track of. Closed if it is there.
            _ = try? await store.refuseIntent(id: intent.id, at: bridge.clock.now())
            await storeFailed(error)
            return nil
        }
        return PendingSubmission(intentId: intent.id, state: bridge.signedState(for: route, intent: intent.id))
    }

    /// The proxy refused the submission, or provably never got it: the intent is closed.
    func refused(_ submission: PendingSubmission?) async {
        guard let submission else { return }
        do {
            try await store.refuseIntent(id: submission.intentId, at: bridge.clock.now())
        } catch {
            // Left open, it is looked for and, not found, reported as lost track of: noisy, not silent.
            bridge.logger.error("cannot close a refused intent", metadata: ["intent": "\(submission.intentId)", "error": "\(error)"])
        }
    }

    /// A submit failed. When the proxy may have taken the job anyway (no answer in time, the
    /// connection broke after sending, a 5xx — submits are never retried) the intent stays
    /// open for reconciliation and the user hears that the job may still come; otherwise it is
    /// closed and the user hears why.
    func fail(_ error: MJError, submission: PendingSubmission?) async {
        guard let submission, error.submitOutcomeUnknown else {
            await refused(submission)
            return await fail(error)
        }
        bridge.logger.warning("submit outcome unknown; its intent stays open", metadata: [
            "command": "\(invocation.spec.name)", "intent": "\(submission.intentId)", "error": "\(error)",
        ])
        if case .cancelled = error { return await fail(error) }
        CommandOutcomeCell.mark(.error)
        bridge.counters.recordProxyError()
        await reply(renderer.unconfirmedSubmit(error))
    }

    // MARK: Recording new tasks

    /// Records a task the proxy accepted and acknowledges it in the same transaction.
    /// `acknowledgement` gets the short reference; nil uses the standard sentence.
    /// `submission` is the intent it was submitted for: closed in the same transaction.
    func track(taskId: String, kind: String, prompt: String, parentId: String? = nil, queuePosition: Int? = nil,
               status: String = "NOT_START", submission: PendingSubmission?,
               acknowledgement: ((String) -> String)? = nil) async {
        // The proxy has the job: its reservation becomes these tasks even if storing fails.
        await job?.markAccepted()
        let now = bridge.clock.now()
        var record = TaskRecord(id: taskId, route: route, kind: kind, prompt: prompt, status: status,
                                statusRank: TaskRank.statusRank(status), parentId: parentId, createdAt: now,
                                deadline: now.addingTimeInterval(bridge.configuration.taskDeadline))
        record.userKey = LimitIdentity.key(of: event)
        do {
            let ref = try await store.shortReference(for: record)
            let text = acknowledgement?(ref)
                ?? renderer.acknowledgement(what: renderer.subject(kind: kind, prompt: prompt), ref: ref, queuePosition: queuePosition)
            let reply = bridge.addressing.reply(to: event, text)
            let line = OutboxLine(network: reply.network, target: reply.target, isChannel: event.target.channelName != nil,
                                  text: reply.text, style: reply.style.rawValue, taskId: taskId, createdAt: now,
                                  replyTo: event.replyTo)
            try await bridge.tracker.track(record, lines: [line], intent: submission?.intentId)
        } catch {
            await storeFailed(error)
        }
    }

    /// Handles a submit answer: accepted → tracked; anything else → one sentence. Some
    /// answers start several tasks at once (TrueAI's "Imagine all" after describe answers
    /// `"id1,id2,id3,id4"`): each is tracked, `prompts[i]` naming the i-th when given.
    func accept(_ response: SubmitResponse, kind: String, prompt: String, parentId: String? = nil,
                prompts: [String] = [], submission: PendingSubmission?) async {
        let ids = response.taskIds
        guard response.code.isAccepted else {
            await refused(submission)
            await reply(ProxyErrorText.sentence(for: response))
            return
        }
        guard !ids.isEmpty else {
            // Accepted without an id: the job may run; its intent stays open to be found.
            return await fail(.decoding("the proxy accepted the job but sent no task id"), submission: submission)
        }
        for (index, taskId) in ids.enumerated() {
            await track(taskId: taskId, kind: kind, prompt: index < prompts.count ? prompts[index] : prompt, parentId: parentId,
                        queuePosition: response.code == .queued ? response.numberOfQueues : nil, submission: submission)
        }
    }

    // MARK: Images

    /// `accountFilter` carrying the speed mode, when modes go in the body.
    func accountFilter(for mode: SpeedMode?) -> AccountFilter? {
        guard let mode, bridge.configuration.speedModeRouting == .filter else { return nil }
        return AccountFilter(modes: [String(mode.rawValue.dropFirst("mj-".count)).uppercased()])
    }
}

/// A submission whose intent row is written: its id, and the signed `state` that carries it.
struct PendingSubmission: Sendable {
    let intentId: String
    let state: String?
}
