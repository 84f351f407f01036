/// Our presence on one network after registration, as a value: the channels we want and the
/// ones the server confirmed, JOIN/PART/KICK, rejoin after a kick, refused JOINs retried with
/// a growing wait, our nick and its regain, our hostmask (001, JOIN echo, 396, CHGHOST, SASL
/// 900) and what 005 says. Events go in, actions come out; the I/O shell executes them (lines,
/// timers by id, events for the client's owner, log lines) and decides nothing itself — the
/// postgres-nio connection state machine pattern, like `RegistrationStateMachine`.
///
/// One value per client, living across reconnects: the wanted channels (configured plus
/// `join` minus `part`) survive a reconnect, everything learned from the server does not.
public struct IRCSessionStateMachine: Sendable {
    public enum Event: Sendable, Hashable {
        /// A line from the server. Before registration only 001 (our hostmask) and 901 matter.
        case received(Message)
        /// Registration finished (001) under `nick`: JOIN the wanted channels.
        case registered(nick: String)
        /// Services logged us in (SASL 900); `mask` is our `nick!user@host` when given.
        case loggedIn(account: String, mask: String?)
        /// A timer started with `.startTimer` ran out.
        case timerFired(SessionTimer)
        /// The owner wants to be in this channel from now on (and after every reconnect).
        case joinRequested(WantedChannel)
        /// The owner wants to leave the channel and no longer rejoin it.
        case partRequested(channel: String, reason: String?)
        /// The connection is gone: every timer stops, and all the server told us is forgotten.
        case connectionEnded
    }

    public let configuration: SessionConfiguration
    /// Channels we want to be in: the configured ones plus `joinRequested`, minus
    /// `partRequested`; joined after every registration and after a kick.
    public private(set) var desiredChannels: [WantedChannel]
    public private(set) var isRegistered = false
    /// Our nick: the configured one until registration, then the server's word.
    public private(set) var nick: String
    /// Our `nick!user@host` as others see it, as far as the server told us.
    public private(set) var hostmask: Source?
    /// The services account we are logged in as on this connection.
    public private(set) var account: String?
    /// What the server said in 005 on this connection.
    public private(set) var support = ISupport()
    /// Channels the server confirmed we are in, spelled as the server spelled them.
    public private(set) var joinedChannels: [String] = []
    /// NICKLEN from the last 005 of any connection, so fallback nicks fit on the next one.
    public private(set) var learnedNickLength: Int?
    /// Timers the shell runs for us now; a fire of any other is stale and ignored.
    public private(set) var liveTimers: Set<SessionTimer> = []
    /// Refused JOINs in a row per folded channel name, for the retry backoff.
    private var joinRefusals: [String: Int] = [:]
    /// The bot user mode (ISUPPORT `BOT`) we asked for on this connection, once per connection.
    public private(set) var botModeRequested: Character?

    public init(configuration: SessionConfiguration) {
        self.configuration = configuration
        self.desiredChannels = configuration.channels
        self.nick = configuration.nick
    }

    /// Nick and channel comparison under the network's CASEMAPPING.
    public func same(_ a: String, _ b: String) -> Bool {
        support.caseMapping.equal(a, b)
    }

    public func isJoined(_ channel: String) -> Bool {
        joinedChannels.contains { same($0, channel) }
    }

    public func isDesired(_ channel: String) -> Bool {
        desiredChannels.contains { same($0.name, channel) }
    }

    /// How others see us, as far as we know it (the line splitter budgets with it).
    public var sender: Source {
        hostmask.map { Source(nick: nick, user: $0.user, host: $0.host) } ?? Source(nick: nick)
    }

    /// Whether the nick regain timer runs.
    public var isRegainingNick: Bool { liveTimers.contains(.nickRegain) }

    public mutating func handle(_ event: Event) -> [SessionAction] {
        switch event {
        case .received(let message):
            return received(message)
        case .registered(let nick):
            return registered(nick)
        case .loggedIn(let account, let mask):
            self.account = account
            if let mask { hostmask = Source(parsing: Substring(mask)) }
            return []
        case .timerFired(let timer):
            return timerFired(timer)
        case .joinRequested(let wanted):
            return joinRequested(wanted)
        case .partRequested(let channel, let reason):
            return partRequested(channel, reason: reason)
        case .connectionEnded:
            return connectionEnded()
        }
    }

    // MARK: - Connection life

    private mutating func registered(_ nick: String) -> [SessionAction] {
        isRegistered = true
        self.nick = nick
        var actions = regainNickIfNeeded()
        actions += desiredChannels.map { .send($0.joinMessage) }
        return actions
    }

    private mutating func connectionEnded() -> [SessionAction] {
        let actions = liveTimers.sorted { "\($0)" < "\($1)" }.map { SessionAction.cancelTimer($0) }
        liveTimers = []
        isRegistered = false
        nick = configuration.nick
        hostmask = nil
        account = nil
        support = ISupport()
        joinedChannels = []
        joinRefusals = [:]
        botModeRequested = nil
        return actions
    }

    // MARK: - Lines from the server

    private mutating func received(_ message: Message) -> [SessionAction] {
        let params = message.params
        switch message.command {
        case "001":
            // "Welcome to the … Network nick!user@host": our mask, for the line splitter.
            if let last = params.last?.split(separator: " ").last, last.contains("!"), last.contains("@") {
                let mask = Source(parsing: last)
                if mask.nick == params.first { hostmask = mask }
            }
            return []
        case "901":
            // RPL_LOGGEDOUT (services dropped us, e.g. the account was deleted).
            account = nil
            return []
        default:
            break
        }
        guard isRegistered else { return [] }
        let fromUs = message.source.map { same($0.nick, nick) } ?? false
        switch message.command {
        case "005":
            support.apply(message)
            if support.value("NICKLEN") != nil { learnedNickLength = support.nickLength }
            return botModeIfAdvertised()
        case "INVITE":
            // INVITE <nick> <channel>; with invite-notify others' invites arrive too: only ours count.
            guard params.count >= 2, same(params[0], nick), let inviter = message.source, support.isChannel(params[1]) else {
                return []
            }
            return [.emit(.invited(channel: params[1], by: inviter, account: message.tags["account"]))]
        case "396":
            // RPL_VISIBLEHOST <nick> <host> :is now your displayed host
            guard params.count >= 2 else { return [] }
            var mask = hostmask ?? Source(nick: nick)
            mask.host = params[1]
            hostmask = mask
            return []
        case "CHGHOST":
            guard fromUs, params.count >= 2 else { return [] }
            hostmask = Source(nick: nick, user: params[0], host: params[1])
            return []
        case "NICK":
            guard fromUs, let new = params.first else { return [] }
            return nickChanged(to: new)
        case "JOIN":
            guard fromUs, let channel = params.first else { return [] }
            return joined(channel, source: message.source)
        case "PART":
            guard fromUs, let channel = params.first else { return [] }
            joinedChannels.removeAll { [mapping = support.caseMapping] in mapping.equal($0, channel) }
            return [.log(.info, "left \(channel)"), .emit(.parted(channel: channel))]
        case "KICK":
            guard params.count >= 2, same(params[1], nick) else { return [] }
            return kicked(from: params[0], by: message.source?.nick ?? "?", reason: params.count >= 3 ? params[2] : "")
        case "471", "473", "474", "475":
            // Full, invite-only, banned, wrong key: states that people change, so ask again.
            guard params.count >= 2 else { return [] }
            let reason = "\(params.count >= 3 ? params[params.count - 1] : "") (\(message.command))"
            return joinRefused(params[1], reason: reason)
        case "403", "405", "477":
            // No such channel, too many channels, needs a registered nick: asking again soon
            // would not change the answer, so only say so.
            return [.log(.warning, "cannot join \(params.count >= 2 ? params[1] : "?"): \(params.last ?? message.command) (\(message.command))")]
        default:
            return []
        }
    }

    /// IRCv3 bot mode: a network that advertises `BOT=<mode>` asks bots to wear that user mode
    /// (Libera's and others' bot policies; clients then see a `bot` tag on our lines). Set once
    /// per connection, as soon as the 005 naming it arrives (after registration, so after
    /// every reconnect too).
    private mutating func botModeIfAdvertised() -> [SessionAction] {
        guard botModeRequested == nil, let mode = support.botMode else { return [] }
        botModeRequested = mode
        return [.log(.info, "the network marks bots with user mode +\(mode) (ISUPPORT BOT): setting it"),
                .send(Message("MODE", nick, "+\(mode)"))]
    }

    private mutating func joined(_ channel: String, source: Source?) -> [SessionAction] {
        if let source, source.user != nil { hostmask = source }
        if !isJoined(channel) { joinedChannels.append(channel) }
        let key = folded(channel)
        joinRefusals[key] = nil
        // In already: a pending rejoin would only send a JOIN the server ignores.
        var actions = cancel(.rejoin(key))
        actions += [.log(.info, "joined \(channel)"), .emit(.joined(channel: channel))]
        return actions
    }

    private mutating func kicked(from channel: String, by kicker: String, reason: String) -> [SessionAction] {
        joinedChannels.removeAll { [mapping = support.caseMapping] in mapping.equal($0, channel) }
        var actions: [SessionAction] = [
            .log(.warning, "kicked from \(channel) by \(kicker): \(reason)"),
            .emit(.kicked(channel: channel, by: kicker, reason: reason)),
        ]
        guard configuration.rejoinOnKick, isDesired(channel) else { return actions }
        actions += start(.rejoin(folded(channel)), after: configuration.rejoinDelay)
        return actions
    }

    private mutating func joinRefused(_ channel: String, reason: String) -> [SessionAction] {
        guard isDesired(channel) else { return [.log(.warning, "cannot join \(channel): \(reason)")] }
        let key = folded(channel)
        let refusals = (joinRefusals[key] ?? 0) + 1
        joinRefusals[key] = refusals
        let delay = JoinRetryBackoff(base: configuration.rejoinDelay, maximum: configuration.joinRetryMaximum)
            .delay(afterRefusals: refusals)
        return [.log(.warning, "cannot join \(channel): \(reason); trying again in \(delay) (refusal \(refusals) in a row)")]
            + start(.rejoin(key), after: delay)
    }

    private mutating func nickChanged(to new: String) -> [SessionAction] {
        nick = new
        hostmask?.nick = new
        var actions: [SessionAction] = [.log(.info, "our nick is now \(new)"), .emit(.nickChanged(new))]
        if same(new, configuration.nick) {
            // Got it: nothing left to ask for.
            actions += cancel(.nickRegain)
        } else {
            actions += regainNickIfNeeded()
        }
        return actions
    }

    // MARK: - Timers

    private mutating func timerFired(_ timer: SessionTimer) -> [SessionAction] {
        // A fire that raced a cancel or a reconnect is stale.
        guard liveTimers.remove(timer) != nil, isRegistered else { return [] }
        switch timer {
        case .rejoin(let key):
            guard let wanted = desiredChannels.first(where: { folded($0.name) == key }), !isJoined(wanted.name) else {
                return []
            }
            return [.log(.info, "rejoining \(wanted.name)"), .send(wanted.joinMessage)]
        case .nickRegain:
            guard !same(nick, configuration.nick) else { return [] }
            return [.send(Message("NICK", configuration.nick))] + start(.nickRegain, after: regainInterval)
        }
    }

    /// Asks for the configured nick every `nickRegainInterval` while we are on a fallback one
    /// (taken at connect time, or changed by services). A refusal (433) after registration
    /// changes nothing: the next tick asks again.
    private mutating func regainNickIfNeeded() -> [SessionAction] {
        guard let configured = configuration.nickRegainInterval, configured > .zero, !isRegainingNick,
              !same(nick, configuration.nick)
        else { return [] }
        return [.log(.info, "on fallback nick \(nick); asking for \(configuration.nick) every \(regainInterval)")]
            + start(.nickRegain, after: regainInterval)
    }

    /// A NICK per round trip would crowd out chat on the control lane.
    private var regainInterval: Duration {
        max(configuration.nickRegainInterval ?? .zero, .milliseconds(100))
    }

    private mutating func start(_ timer: SessionTimer, after delay: Duration) -> [SessionAction] {
        let replaced = cancel(timer)
        liveTimers.insert(timer)
        return replaced + [.startTimer(timer, after: delay)]
    }

    private mutating func cancel(_ timer: SessionTimer) -> [SessionAction] {
        liveTimers.remove(timer) == nil ? [] : [.cancelTimer(timer)]
    }

    // MARK: - The owner's wishes

    private mutating func joinRequested(_ wanted: WantedChannel) -> [SessionAction] {
        if let index = desiredChannels.firstIndex(where: { same($0.name, wanted.name) }) {
            // A new key replaces the old one for later rejoins.
            if wanted.key != nil { desiredChannels[index].key = wanted.key }
        } else {
            desiredChannels.append(wanted)
        }
        guard isRegistered else { return [] }
        return [.send(wanted.joinMessage)]
    }

    private mutating func partRequested(_ channel: String, reason: String?) -> [SessionAction] {
        desiredChannels.removeAll { [mapping = support.caseMapping] in mapping.equal($0.name, channel) }
        let key = folded(channel)
        joinRefusals[key] = nil
        var actions = cancel(.rejoin(key))
        guard isRegistered else { return actions }
        actions.append(.send(reason.map { Message("PART", channel, $0) } ?? Message("PART", channel)))
        return actions
    }

    private func folded(_ channel: String) -> String {
        support.caseMapping.lowercased(channel)
    }
}
