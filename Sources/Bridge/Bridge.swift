import Foundation
import Logging
import MidjourneyAPI
import Store

/// The bot: turns chat commands into proxy tasks and their results back into chat lines,
/// exactly once, across restarts. Transport-agnostic: lines go out through a `ChatTransport`.
///
/// Wiring (the App does this):
/// ```swift
/// let bridge = Bridge(configuration: config, client: client, store: store, transport: irc, imageFetcher: fetcher, logger: log)
/// Task { try await bridge.run() }            // recovery, then the polling loop
/// await bridge.handle(event)                 // each chat line
/// await bridge.joined(network: n, channel: c) // after each JOIN, to deliver held results
/// await bridge.receiveCallback(body)         // each POST /callback/<secret>
/// ```
public final class Bridge: Sendable {
    /// As the process started. Owners, prefix, reply style and progress policies are read from
    /// `live` instead, which `!reload` and SIGHUP replace.
    public let configuration: BridgeConfiguration
    /// The reloadable settings, as of the last reload.
    public let live: LiveSettingsHolder
    /// Re-reads `bot.conf` for `!reload`; nil when the bot was not started from a file.
    public let reloader: (any ConfigReloading)?
    /// Proxy errors and reconnects since start, for `!stats`.
    public let counters: ActivityCounters
    public let tracker: TaskTracker
    /// Per-channel settings with the owners' changes from chat on top of the configuration.
    public let channels: ChannelSettings
    let client: MidjourneyClient
    /// Clients whose base URL carries a speed-mode path (`/mj-fast`), for `speedModeRouting = .path`.
    let modeClients: [SpeedMode: MidjourneyClient]
    let store: Store
    let transport: any ChatTransport
    let delivery: OutboxDelivery
    let imageFetcher: (any ImageFetcher)?
    let clock: BridgeClock
    let logger: Logger

    public init(configuration: BridgeConfiguration, client: MidjourneyClient, store: Store, transport: any ChatTransport,
                imageFetcher: (any ImageFetcher)?, modeClients: [SpeedMode: MidjourneyClient] = [:],
                clock: BridgeClock = .system, live: LiveSettingsHolder? = nil, reloader: (any ConfigReloading)? = nil,
                logger: Logger) {
        self.configuration = configuration
        let live = live ?? LiveSettingsHolder(LiveSettings(configuration))
        self.live = live
        self.reloader = reloader
        let counters = ActivityCounters(startedAt: clock.now())
        self.counters = counters
        self.client = client
        self.modeClients = modeClients
        self.store = store
        self.transport = transport
        self.imageFetcher = imageFetcher
        self.clock = clock
        self.logger = logger
        let delivery = OutboxDelivery(store: store, transport: transport, now: clock.now, logger: logger)
        self.delivery = delivery
        let channels = ChannelSettings(configuration: configuration, store: store, logger: logger, live: live)
        self.channels = channels
        self.tracker = TaskTracker(store: store, delivery: delivery, source: ClientTaskSource(client: client),
                                   configuration: configuration, clock: clock, logger: logger, channels: channels,
                                   live: live, counters: counters)
    }

    private static let registry = BridgeCommands.registry

    /// How answers are addressed, with the reply style as of the last reload.
    var addressing: ReplyAddressing { live.current.addressing }
    /// With the command prefix as of the last reload.
    var renderer: TaskRenderer { live.current.renderer }

    /// Built per line from one snapshot of the live settings, so a reload between two lines
    /// changes the prefix and reply style cleanly.
    private func responder(_ settings: LiveSettings) -> CommandResponder {
        CommandResponder(parser: CommandParser(registry: Self.registry, prefix: settings.commandPrefix),
                         addressing: settings.addressing, versionText: configuration.versionText)
    }

    /// The commands `!help` lists (for the README check and the demo banner).
    public static var commands: CommandRegistry { BridgeCommands.registry }

    // MARK: Inputs

    /// Handles one chat line. Returns when its immediate answers have been sent or queued;
    /// results arrive later through the tracker.
    public func handle(_ event: ChatEvent) async {
        let settings = live.current
        let isOwner = event.isFromOwner || settings.isOwner(account: event.account)
        switch responder(settings).respond(to: event, isOwner: isOwner) {
        case .ignore:
            return
        case .replies(let lines):
            for line in lines { await send(line) }
        case .dispatch(let invocation):
            await CommandContext(bridge: self, invocation: invocation, isOwner: isOwner).run()
        }
    }

    /// The bot (re)joined a channel: results held for it go out now.
    public func joined(network: String, channel: String) async {
        await delivery.flush()
    }

    /// The body of a `POST /callback/<secret>`: a hint about one task, checked against the
    /// ranked state the store holds.
    public func receiveCallback(_ body: Data) async -> ApplyOutcome {
        guard let task = try? MJTask.decode(body) else { return .unknownTask }
        return await tracker.apply(TaskSnapshot(task))
    }

    /// Channels the owners had the bot join or leave from chat (`!join`, `!part`) are joined
    /// or left again, on top of the configured ones; `run()` does this first.
    public func restoreChannels() async {
        for setting in await channels.memberships() {
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
    /// cancelled. Sent outbox lines older than `sentLineRetention` are dropped at the start and
    /// then hourly, so the file stays small.
    public func run() async throws {
        await restoreChannels()
        await tracker.recover()
        await pruneOutbox()
        var lastPruned = clock.now()
        while !Task.isCancelled {
            try await clock.sleep(.milliseconds(Int64(configuration.pollSchedule.interval * 1000)))
            await tracker.poll()
            if clock.now().timeIntervalSince(lastPruned) >= 3600 {
                await pruneOutbox()
                lastPruned = clock.now()
            }
        }
    }

    /// How long sent lines are kept (for diagnostics) before `run()` drops them.
    public static let sentLineRetention: TimeInterval = 7 * 24 * 3600

    private func pruneOutbox() async {
        do {
            try await store.pruneSentLines(before: clock.now().addingTimeInterval(-Self.sentLineRetention))
        } catch {
            logger.error("cannot prune the outbox", metadata: ["error": "\(error)"])
        }
    }

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
}

extension TaskSnapshot {
    /// The tracker's view of a proxy task. What it will show (link, button names) is cleaned
    /// of line breaks and formatting codes here; customIds stay verbatim, they go back to the
    /// proxy; `finalPrompt` keeps its line breaks (the renderer splits on them and cleans each line).
    public init(_ task: MJTask) {
        self.init(id: task.id, action: task.action?.rawValue, status: task.status.rawValue, progress: task.progress,
                  prompt: task.prompt, imageUrl: task.imageUrl.map(ChatText.stripFormatting), failReason: task.failReason,
                  buttons: task.buttons.map {
                      TaskButton(customId: $0.customId, label: ChatText.stripFormatting($0.label),
                                 emoji: ChatText.stripFormatting($0.emoji))
                  },
                  finalPrompt: task.properties.finalPrompt, state: task.state)
    }
}
