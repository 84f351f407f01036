import Foundation
import Synchronization
import Logging
import MidjourneyAPI
import Store

/// The bot: turns chat commands into proxy tasks and their results back into chat lines,
/// exactly once, across restarts. Transport-agnostic: lines go out through a `ChatTransport`.
///
/// Wiring (the App does this):
/// ```swift
/// let bridge = ChatBridge(configuration: config, client: client, store: store, transport: irc, imageFetcher: fetcher, logger: log)
/// Task { try await bridge.run() }            // recovery, then the polling loop
/// await bridge.handle(event)                 // each chat line
/// await bridge.joined(network: n, channel: c) // after each JOIN, to deliver held results
/// await bridge.registered(network: n)        // after each registration, to deliver owed lines
/// await bridge.receiveCallback(body)         // each POST /callback/<secret>
/// ```
public final class ChatBridge: Sendable {
    /// As the process started. Owners, prefix, reply style and progress policies are read from
    /// `live` instead, which `!reload` and SIGHUP replace.
    public let configuration: BridgeConfiguration
    /// The reloadable settings, as of the last reload.
    public let live: LiveSettingsHolder
    /// Re-reads `bot.conf` for `!reload`; nil when the bot was not started from a file.
    public let reloader: (any ConfigReloading)?
    /// Today's proxy errors and reconnects, for `!stats`.
    public let counters: ActivityCounters
    public let tracker: TaskTracker
    /// Per-channel settings with the owners' changes from chat on top of the configuration.
    public let channels: ChannelSettings
    /// Admins, ignores and pauses set from chat.
    public let roster: AdminRoster
    let client: MidjourneyClient
    /// Clients whose base URL carries a speed-mode path (`/mj-fast`), for `speedModeRouting = .path`.
    let modeClients: [SpeedMode: MidjourneyClient]
    let store: any BotStore
    let transport: any ChatTransport
    let delivery: OutboxDelivery
    let imageFetcher: (any ImageFetcher)?
    /// The bot's copies of its results and their short links; nil: the proxy's links are posted.
    let resultImageHost: (any ResultImageHost)?
    let clock: BridgeClock
    /// Callbacks become questions to the proxy here.
    let callbackRefresher: CallbackRefresher
    let logger: Logger
    /// The limits in force, rebuilt (banned-word matcher included) when a reload changed them.
    private let currentLimits: Mutex<LimitPolicy>
    let rateGate: CommandRateGate
    /// Commands and jobs for the operator's metrics (the App's Prometheus registry).
    let metrics: BridgeMetrics
    /// Ids for intent rows (random; fixed in tests).
    let intentIds: IntentIds
    /// Which networks this process holds when several share a database; nil: all of them.
    public let holding: (any NetworkHolding)?
    /// INVITE decisions, one at a time per network (`max_channels`).
    let inviteQueue = InviteQueue()

    /// `hintSleep` waits out the callback coalescing window (default: `clock.sleep`).
    public init(configuration: BridgeConfiguration, client: MidjourneyClient, store: any BotStore, transport: any ChatTransport,
                imageFetcher: (any ImageFetcher)?, resultImageHost: (any ResultImageHost)? = nil,
                modeClients: [SpeedMode: MidjourneyClient] = [:],
                clock: BridgeClock = .system, hintSleep: (@Sendable (Duration) async throws -> Void)? = nil,
                live: LiveSettingsHolder? = nil, reloader: (any ConfigReloading)? = nil, metrics: BridgeMetrics = .none,
                intentIds: IntentIds = .random, holding: (any NetworkHolding)? = nil, logger: Logger) {
        self.configuration = configuration
        self.intentIds = intentIds
        self.holding = holding
        let live = live ?? LiveSettingsHolder(LiveSettings(configuration))
        self.live = live
        self.reloader = reloader
        let counters = ActivityCounters(startedAt: clock.now(), now: clock.now)
        self.counters = counters
        self.client = client
        self.modeClients = modeClients
        self.store = store
        self.transport = transport
        self.imageFetcher = imageFetcher
        self.resultImageHost = resultImageHost
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.currentLimits = Mutex(LimitPolicy(live.current.limits))
        self.rateGate = CommandRateGate(limit: configuration.limits.commandsPer30s)
        let channels = ChannelSettings(configuration: configuration, store: store, logger: logger, live: live)
        self.channels = channels
        // A channel joined from chat is held, never dead-lettered, even before
        // `restoreChannels()` told the transport about it (see `DeliveryRules.check`).
        let delivery = OutboxDelivery(store: store, transport: transport, policy: configuration.deliveryPolicy,
                                      now: clock.now,
                                      joinedFromChat: { await channels.isJoinedFromChat(network: $0, channel: $1) },
                                      holding: holding, logger: logger)
        self.delivery = delivery
        self.roster = AdminRoster(live: live, store: store, logger: logger)
        self.tracker = TaskTracker(store: store, delivery: delivery, source: ClientTaskSource(client: client),
                                   configuration: configuration, clock: clock, logger: logger, channels: channels,
                                   live: live, counters: counters, metrics: metrics, imageHost: resultImageHost,
                                   holding: holding)
        self.callbackRefresher = CallbackRefresher(tracker: tracker, window: configuration.callbackWindow,
                                                   maxPending: configuration.maxPendingHints, sleep: hintSleep ?? clock.sleep)
    }

    private static let registry = BridgeCommands.registry

    /// How answers are addressed, with the reply style as of the last reload.
    var addressing: ReplyAddressing { live.current.addressing }
    /// Built per line from one snapshot of the live settings, so a reload between two lines
    /// changes the prefix and reply style cleanly; with the prefix of the line's network.
    private func responder(_ settings: LiveSettings, network: String) -> CommandResponder {
        CommandResponder(parser: CommandParser(registry: Self.registry, prefix: settings.commandPrefix(network: network)),
                         addressing: settings.addressing, versionText: configuration.versionText)
    }

    /// The limits in force: the one accessor every limit decision reads.
    var limitPolicy: LimitPolicy {
        let settings = live.current.limits
        return currentLimits.withLock { policy in
            if policy.settings != settings { policy = LimitPolicy(settings) }
            return policy
        }
    }

    /// The commands `!help` lists (for the README check and the demo banner).
    public static var commands: CommandRegistry { BridgeCommands.registry }

    // MARK: Inputs

    /// Whether `handle` could do anything with the line: a command with the prefix as of the
    /// last reload, the addressed form (`mjbridge: help`, with `event.botNick`), or anything
    /// said in private. Synchronous and cheap, so a transport decides before it spends a task
    /// or an actor hop on ordinary chatter; `handle` ignores every line this says no to.
    public func mayBeCommand(_ event: ChatEvent) -> Bool {
        CommandParser(registry: Self.registry, prefix: live.current.commandPrefix(network: event.network)).mayBeCommand(event)
    }

    /// Handles one chat line. Returns when its immediate answers have been sent or queued;
    /// results arrive later through the tracker.
    public func handle(_ event: ChatEvent) async {
        let settings = live.current
        let responder = responder(settings, network: event.network)
        // Conversation: no role, rate gate or store is consulted for it (the check transports
        // make before they call this, repeated for those that do not).
        guard responder.parser.mayBeCommand(event) else { return }
        var event = event
        let resolver = await roster.resolver(network: event.network)
        var role = resolver.role(of: event)
        // Ignored: no answer at all, not even to !help (owners are never ignored).
        guard role > .ignored else { return }
        // Before any lookup or reply is spent on the line: a flood costs nothing but a count.
        guard await admitCommand(event, isAdmin: role >= .admin, parser: responder.parser) else {
            if case .command(let invocation) = responder.parser.parse(event) { metrics.command(invocation.spec.name, .refused) }
            return
        }
        let access = settings.access(network: event.network)
        if case .command(let invocation) = responder.parser.parse(event), !event.accountVerified,
           invocation.spec.minimumRole > role || (access.requireAccount && invocation.spec.isSubmission && role < .admin)
            || (role < .admin && Self.mayUseAdminPower(invocation)) {
            // The transport could not vouch for the account, and this command depends on it.
            event = await withLookedUpAccount(event)
            role = resolver.role(of: event)
            guard role > .ignored else { return }
        }
        switch responder.respond(to: event, role: role) {
        case .ignore:
            return
        case .replies(let lines):
            if case .command(let invocation) = responder.parser.parse(event) {
                metrics.command(invocation.spec.name, invocation.spec.minimumRole > role ? .refused : .ok)
            }
            if case .command(let invocation) = responder.parser.parse(event), invocation.spec.minimumRole > role {
                // The whole argument text: what they tried is what an owner wants to read later.
                await audit(event: event, command: invocation.spec.name, target: Self.auditTarget(invocation),
                            outcome: "refused: for \(invocation.spec.minimumRole.plural)")
            }
            for line in lines { await send(line) }
        case .dispatch(let invocation):
            let pause = invocation.spec.isSubmission
                ? await roster.pause(network: event.network, channel: event.target.channelName) : nil
            if let refusal = SubmissionGate.refusal(spec: invocation.spec, role: role, event: event, access: access, pause: pause) {
                metrics.command(invocation.spec.name, .refused)
                return await send(addressing.reply(to: event, refusal))
            }
            let cell = CommandOutcomeCell()
            await CommandOutcomeCell.$current.withValue(cell) {
                await CommandContext(bridge: self, invocation: invocation, role: role).run()
            }
            metrics.command(invocation.spec.name, cell.outcome)
        }
    }

    /// Commands open to everyone that do more for an admin (`!cancel`, `!status`, `!seed` of
    /// someone else's task, `!quota` of someone else): with arguments they may need the
    /// admin's account, so an account the transport could not vouch for is looked up first.
    /// What a refused attempt is recorded with: the whole argument text (what they tried is
    /// what an owner wants to read later), except a `!join` key, which is a secret.
    static func auditTarget(_ invocation: CommandInvocation) -> String? {
        guard !invocation.arguments.isEmpty else { return nil }
        if invocation.spec.name == OwnerCommands.join.name { return invocation.words.first.map { ChatText.truncated($0, to: 80) } }
        return ChatText.truncated(invocation.arguments, to: 80)
    }

    static func mayUseAdminPower(_ invocation: CommandInvocation) -> Bool {
        guard !invocation.arguments.isEmpty else { return false }
        return [BridgeCommands.cancel.name, BridgeCommands.status.name, BridgeCommands.seed.name,
                LimitCommands.quota.name].contains(invocation.spec.name)
    }

    /// `event` with the account the network reports now (WHOX/WHOIS); without an answer the
    /// account is dropped, so nothing rests on a name nobody vouched for.
    private func withLookedUpAccount(_ event: ChatEvent) async -> ChatEvent {
        var event = event
        switch await transport.lookUpAccount(network: event.network, nick: event.sender) {
        case .loggedIn(let account):
            event.account = account
            event.accountVerified = true
        case .loggedOut:
            event.account = nil
            event.accountVerified = true
        case .unavailable:
            logger.notice("no account lookup answer; treated as not logged in",
                          metadata: ["network": "\(event.network)", "nick": "\(event.sender)"])
            event.account = nil
        }
        return event
    }

    /// Writes one row to the audit log; a store failure is logged, never shown.
    func audit(event: ChatEvent, command: String, target: String?, outcome: String) async {
        let entry = AuditEntry(account: event.accountVerified ? event.account : nil, mask: UserIdentity.mask(of: event),
                               network: event.network, channel: event.target.channelName, command: command,
                               target: target.map { ChatText.truncated(ChatText.wireSafe($0), to: 200) },
                               outcome: outcome, at: clock.now())
        do {
            try await store.appendAudit(entry)
        } catch {
            logger.error("cannot write the audit log", metadata: ["command": "\(command)", "outcome": "\(outcome)", "error": "\(error)"])
        }
    }

    /// The bot (re)joined a channel: results held for it go out now. Returns at once; the
    /// network's delivery worker sends them.
    public func joined(network: String, channel: String) async {
        await delivery.channelAccessChanged(network: network, channel: channel)
    }

    /// The bot's standing in a channel changed (voiced, unbanned, a mode change such as -m):
    /// lines held because the channel refused them are tried again now. Returns at once.
    public func channelAccessChanged(network: String, channel: String) async {
        await delivery.channelAccessChanged(network: network, channel: channel)
    }

    /// The bot registered (connected or reconnected) on `network`: lines owed there, and
    /// pieces interrupted by the drop, go out now. Returns at once.
    public func registered(network: String) async {
        await delivery.wake(network: network)
    }

    /// Returns once every delivery worker finished a round after the last signal: lines that
    /// could go out went out, the rest are held or dead-lettered (tests, clean shutdown).
    public func deliverySettled() async {
        await delivery.settled()
    }

    /// Stops the delivery workers; `run()` does this when it ends. Lines still owed stay in
    /// the store for the next start.
    public func shutdown() async {
        await tracker.stopMirroring()
        await delivery.shutdown()
    }

    /// The body of a `POST /callback/<secret>`: only a hint to ask the proxy about one task
    /// soon (see `CallbackRefresher`); nothing in it is applied. Returns without waiting for
    /// the proxy. An id the store lacks is asked about only when its `state` is one we signed.
    public func receiveCallback(_ body: Data) async -> CallbackHintOutcome {
        guard let hint = CallbackHint(body: body) else { return .noTaskId }
        let outcome = await classify(hint)
        switch outcome {
        case .known, .adopted:
            return await callbackRefresher.hint(hint.taskId) ? outcome : .dropped
        case .forgedState, .invalidRoute:
            // The text is the sender's: only its length and a short printable prefix are logged.
            logger.info("ignored a callback for an unknown task with an untrusted state",
                        metadata: ["task": "\(hint.taskId)", "outcome": "\(outcome.rawValue)",
                                   "state": "\(CallbackHint.sketch(hint.state))"])
            return outcome
        case .unknown, .noTaskId, .dropped:
            logger.debug("ignored a callback for an unknown task", metadata: ["task": "\(hint.taskId)"])
            return outcome
        }
    }

    private func classify(_ hint: CallbackHint) async -> CallbackHintOutcome {
        do {
            if try await store.task(id: hint.taskId) != nil { return .known }
        } catch {
            logger.error("cannot look up a hinted task", metadata: ["error": "\(error)"])
        }
        guard let key = configuration.routeStateKey else { return hint.state == nil ? .unknown : .forgedState }
        switch SignedRouteState.verify(hint.state, with: key) {
        case .absent: return .unknown
        case .untrusted: return .forgedState
        case .valid(let signed): return configuration.routeTargets.accepts(signed) ? .adopted : .invalidRoute
        }
    }

    /// Returns once every callback received so far has been asked about and applied (tests,
    /// and a clean shutdown).
    public func callbacksSettled() async {
        await callbackRefresher.settled()
    }

    /// The signed `state` for a task routed to `route`, naming the intent row it is submitted
    /// for; nil when no key is set or it cannot fit.
    func signedState(for route: TaskRoute, intent: String? = nil) -> String? {
        configuration.routeStateKey.flatMap { SignedRouteState(route: route, intent: intent).encoded(with: $0) }
    }

    /// Channels the owners had the bot join or leave from chat (`!join`, `!part`) are joined
    /// or left again, on top of the configured ones; `run()` does this first.
    /// `network`: only that network's or account's (a process taking it over from another
    /// one restores what the database says now, not what it read at its own start).
    public func restoreChannels(network: String? = nil) async {
        if network != nil { await channels.reload() }
        for setting in await channels.memberships() where network == nil || setting.network == network {
            do {
                switch setting.membership {
                case .joined: try await transport.join(network: setting.network, channel: setting.channel, key: setting.joinKey)
                case .parted: try await transport.part(network: setting.network, channel: setting.channel, reason: nil)
                case nil: break
                }
            } catch {
                logger.warning("cannot restore a channel joined or left from chat",
                               metadata: ["network": "\(setting.network)", "channel": "\(setting.channel)", "error": "\(error)"])
            }
        }
    }

    /// Restores the channels changed from chat, then recovery (pending tasks polled at once,
    /// owed lines sent), then one polling cycle every `pollSchedule.interval` until the task is
    /// cancelled. Sent outbox lines older than `sentLineRetention`, audit rows older than
    /// `auditRetention`, the limits' counts of past days and finished tasks older than
    /// `taskRetentionDays` are dropped at the start and then hourly, so the file stays small.
    /// The delivery workers stop when it ends (cancelled or thrown out of).
    public func run() async throws {
        do {
            await restoreChannels()
            await tracker.recover()
            await pruneOldRows()
            var lastPruned = clock.now()
            var lastIntentCheck = clock.now()
            while !Task.isCancelled {
                try await clock.sleep(.milliseconds(Int64(configuration.pollSchedule.interval * 1000)))
                await tracker.poll()
                if clock.now().timeIntervalSince(lastIntentCheck) >= configuration.intentCheckInterval {
                    await tracker.reconcileIntents(minimumAge: configuration.intentCheckAge)
                    lastIntentCheck = clock.now()
                }
                if clock.now().timeIntervalSince(lastPruned) >= 3600 {
                    await pruneOldRows()
                    lastPruned = clock.now()
                }
            }
        } catch {
            await tracker.stopMirroring()
            await delivery.shutdown()
            throw error
        }
        await tracker.stopMirroring()
        await delivery.shutdown()
    }

    /// How long sent and dead-lettered lines are kept (for diagnostics) before `run()` drops them.
    public static let sentLineRetention: TimeInterval = 7 * 24 * 3600

    private func pruneOldRows() async {
        do {
            try await store.pruneSentLines(before: clock.now().addingTimeInterval(-Self.sentLineRetention))
            // Dead letters stay as long as sent lines, for `!pending` and diagnostics.
            try await store.pruneDeadLetters(before: clock.now().addingTimeInterval(-Self.sentLineRetention))
            // Yesterday's daily counts and today-only quotas mean nothing any more.
            try await store.pruneLimitCounts(before: UTCDay(containing: clock.now()).key)
        } catch {
            // A shutdown cancelled the work: nothing went wrong.
            guard !(error is CancellationError) else { return }
            logger.error("cannot prune the outbox", metadata: ["error": "\(error)"])
        }
        do {
            try await store.pruneAudit(before: clock.now().addingTimeInterval(-Self.auditRetention))
        } catch {
            // A shutdown cancelled the work: nothing went wrong.
            guard !(error is CancellationError) else { return }
            logger.error("cannot prune the audit log", metadata: ["error": "\(error)"])
        }
        // Finished tasks (and their lines) past `task_retention_days`; pending ones never.
        if configuration.taskRetentionDays > 0 {
            let cutoff = clock.now().addingTimeInterval(-Double(configuration.taskRetentionDays) * 24 * 3600)
            do {
                let pruned = try await store.pruneFinishedTasks(before: cutoff)
                if pruned > 0 { logger.info("pruned finished tasks", metadata: ["count": "\(pruned)"]) }
                // Intents closed that long ago (accepted, refused, lost) go with them.
                try await store.pruneClosedIntents(before: cutoff)
            } catch {
                // A shutdown cancelled the work: nothing went wrong.
                guard !(error is CancellationError) else { return }
                logger.error("cannot prune finished tasks", metadata: ["error": "\(error)"])
            }
        }
    }

    /// How long audit rows are kept; `run()` drops older ones with the outbox's sent lines.
    public static let auditRetention: TimeInterval = 365 * 24 * 3600

    /// The client for a speed mode asked for in the prompt (path routing), else the default.
    func client(for mode: SpeedMode?) -> MidjourneyClient {
        mode.flatMap { modeClients[$0] } ?? client
    }

    func send(_ line: OutgoingChat) async {
        do {
            try await transport.send(line)
        } catch {
            logger.warning("could not send a reply", metadata: ["network": "\(line.network)", "error": "\(error)"])
        }
    }
}

/// Polling through the client's batched `list-by-condition`.
struct ClientTaskSource: TaskSource {
    // Tasks are listed through the plain base URL: a speed-mode prefix only chooses the
    // account a submit goes to, the task store behind it is shared.
    let client: MidjourneyClient

    func tasks(ids: [String]) async throws -> [TaskSnapshot] {
        try await client.list(ids: ids).map(TaskSnapshot.init)
    }

    func recentTasks() async throws -> [TaskSnapshot]? {
        try await client.listRecent()?.map(TaskSnapshot.init)
    }
}

extension TaskSnapshot {
    /// The tracker's view of a proxy task. The proxy is not trusted: everything it will show
    /// (prompt, link, fail reason, button names) is cleaned of formatting codes and every
    /// control character here; customIds stay verbatim, they go back to the proxy;
    /// `finalPrompt` keeps its line breaks (the renderer splits on them).
    public init(_ task: MJTask) {
        self.init(id: task.id, action: task.action?.rawValue, status: task.status.rawValue, progress: task.progress,
                  prompt: task.prompt.map(ChatText.untrusted), imageUrl: task.imageUrl.map(ChatText.untrusted),
                  failReason: task.failReason.map(ChatText.untrusted),
                  buttons: task.buttons.map {
                      TaskButton(customId: $0.customId, label: ChatText.untrusted($0.label),
                                 emoji: ChatText.untrusted($0.emoji))
                  },
                  finalPrompt: task.properties.finalPrompt.map(ChatText.untrustedLines), state: task.state,
                  imageUrls: task.imageUrls.map(ChatText.untrusted).filter { !$0.isEmpty },
                  videoUrl: task.videoUrl.map(ChatText.untrusted).flatMap { $0.isEmpty ? nil : $0 })
    }
}
