import Foundation
import IRC
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One IRC network: connects (TLS by default), registers through `RegistrationStateMachine`,
/// joins its channels, answers PING and CTCP (VERSION, PING, TIME, CLIENTINFO, rate-limited),
/// and keeps the connection alive with a ping watchdog and a reconnect supervisor. Chat
/// arrives on `events`. Replies of any length are cut by `LineSplitter` (budgeted with our
/// own hostmask) and paced by `FloodControl`: `enqueue(_:to:text:)` returns once queued,
/// `send(_:to:text:)` once the last line is written to the socket.
///
/// Several networks in one process are several independent clients sharing an event loop group.
/// The API for the App is summarised in `/work/dev/irc-API.md`.
public actor IRCConnection {
    public nonisolated let configuration: IRCConnectionConfiguration
    /// Everything that happens, in order; ends after `.stopped`. Consume it from one task.
    public nonisolated let events: AsyncStream<IRCClientEvent>

    private let eventSink: AsyncStream<IRCClientEvent>.Continuation
    private let group: any EventLoopGroup
    private let logger: Logger
    private let clock = ContinuousClock()
    private var random: BoxedRandom
    private var backoff: ReconnectBackoff
    private var supervisor: Task<Void, Never>?
    private var session: Session?
    private var stopping = false
    private var attempt = 0
    private var nextSessionID = 0
    private var nextTicket = 0
    private var waiting: [Int: CheckedContinuation<Result<Void, IRCClientError>, Never>] = [:]
    /// Channels we want to be in: the configured ones plus `join(_:key:)`; rejoined after
    /// every reconnect and after a kick.
    private var desiredChannels: [IRCConnectionConfiguration.Channel]
    /// Every channel key given to `join`, kept out of the logs even after a part.
    private var joinedKeys: Set<String> = []
    /// NICKLEN from the last 005, so fallback nicks fit on the next connection.
    private var learnedNickLength: Int?
    private var ctcpLimiter = CTCPRateLimiter()
    /// `lookUpAccount` continuations by ticket; answered by the server, a timeout or the end
    /// of the connection, whichever comes first.
    private var accountLookups: [Int: CheckedContinuation<AccountTracker.Knowledge?, Never>] = [:]

    public init(
        configuration: IRCConnectionConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "mjbridge.irc"),
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.configuration = configuration
        (events, eventSink) = AsyncStream.makeStream(of: IRCClientEvent.self)
        self.group = eventLoopGroup
        var logger = logger
        logger[metadataKey: "network"] = "\(configuration.name)"
        self.logger = logger
        self.random = BoxedRandom(base: random)
        self.backoff = ReconnectBackoff(
            minimum: configuration.reconnect.minimum,
            maximum: configuration.reconnect.maximum,
            resetAfter: configuration.reconnect.resetAfter
        )
        self.desiredChannels = configuration.channels
    }

    // MARK: - Public API

    /// Starts connecting; reconnects on its own until `shutdown`.
    public func start() {
        guard supervisor == nil, !stopping else { return }
        if !configuration.tls {
            logger.warning("TLS is off for \(configuration.host):\(configuration.port): everything, passwords included, travels in clear text")
        } else if !configuration.tlsVerify {
            logger.warning("TLS certificate verification is off for \(configuration.host): anyone in the path can impersonate the server")
        }
        supervisor = Task { await self.supervise() }
    }

    /// Queues `text` for `target` (a channel or a nick) as PRIVMSG or NOTICE lines and returns
    /// at once. Text of any length is split to fit the line limit as recipients receive it;
    /// CR/LF in the text start a new line, NUL is dropped, empty text sends nothing.
    /// Queued lines go out in order at the flood-control pace; lines still queued when the
    /// connection drops are lost (use `send` to learn that).
    /// - Throws: `.notConnected` unless registered, `.shutDown`, `.invalidTarget`.
    public func enqueue(_ kind: IRCChatMessage.Kind, to target: String, text: String) throws(IRCClientError) {
        let session = try registeredSession()
        enqueueUnawaited(try chatLines(kind, to: target, text: text, session: session), lane: .chat, session: session)
    }

    /// Like `enqueue(_:to:text:)`, but returns only after the last line was written to the
    /// socket, and throws `.connectionLost` when the connection dropped before that.
    public func send(_ kind: IRCChatMessage.Kind, to target: String, text: String) async throws(IRCClientError) {
        let session = try registeredSession()
        let lines = try chatLines(kind, to: target, text: text, session: session)
        guard !lines.isEmpty else { return }
        try await enqueue(lines, lane: .chat, session: session).get()
    }

    /// `send(.privmsg, to: target, text: text)`.
    public func send(privmsg target: String, text: String) async throws(IRCClientError) {
        try await send(.privmsg, to: target, text: text)
    }

    /// `send(.notice, to: target, text: text)`.
    public func sendNotice(to target: String, text: String) async throws(IRCClientError) {
        try await send(.notice, to: target, text: text)
    }

    /// Delivers `text` from the UTF-8 `offset` on (0: all of it) to `target` as PRIVMSG or
    /// NOTICE lines, at the flood-control pace behind what is queued, and returns once the
    /// server has answered every line: `.confirmed` when it passed all of them on (echo, label
    /// or PING barrier, see `SendConfirmations`), `.refused` at the first line it would not
    /// pass on (the lines after it are taken out of the queue), `.interrupted` when not
    /// registered, shutting down, or the connection ended first. A line written and not
    /// answered within `confirmTimeout` means the server stopped reading: the connection is
    /// closed (and reopened) and the call reports `.interrupted`. Offsets in the result say
    /// where the next attempt starts; a line is never written twice on one connection.
    public func deliver(_ kind: IRCChatMessage.Kind, to target: String, text: String, from offset: Int = 0) async -> IRCDeliveryResult {
        let start = Self.scalarBoundary(in: text, atOrBefore: offset)
        guard Self.isUsableTarget(target) else {
            return .refused(SendRefusal(.invalidTarget, code: "target", reason: "'\(target)' is not a nick or channel name"), confirmedOffset: start)
        }
        guard !stopping, let session, session.registration.isRegistered else { return .interrupted(confirmedOffset: start) }
        let rest = String(decoding: text.utf8.dropFirst(start), as: UTF8.self)
        let splitter = LineSplitter(sender: sender(of: session), lineLength: support(of: session).lineLength)
        let pieces = splitter.pieces(of: rest, command: kind == .notice ? "NOTICE" : "PRIVMSG", target: target)
        guard !pieces.isEmpty else { return .confirmed }
        let delivery = nextTicket
        nextTicket += 1
        return await withCheckedContinuation { continuation in
            var tickets: [Int] = []
            func queue(_ line: String, as role: OutgoingRole) {
                let ticket = nextTicket
                nextTicket += 1
                session.outgoingRoles[ticket] = role
                session.queue.enqueue([line], lane: .chat, ticket: ticket)
                tickets.append(ticket)
            }
            for (index, piece) in pieces.enumerated() {
                var message = piece.message
                if let label = session.confirmations.makeLabel() { message.tags["label"] = label }
                queue(message.serialized(), as: .piece(.init(delivery: delivery, index: index), message))
            }
            if session.confirmations.mode.usesBarrier {
                let token = session.confirmations.makeBarrierToken()
                queue(Message("PING", token).serialized(), as: .barrier(token))
            }
            session.deliveries[delivery] = PendingDelivery(
                start: start, progress: DeliveryProgress(ends: pieces.map(\.end)), tickets: tickets, continuation: continuation)
            session.wake.yield()
        }
    }

    /// Sends one raw line through the flood-limited queue, ahead of chat; returns once written.
    /// A PRIVMSG or NOTICE loses any `\u{1}`: only the client's own CTCP replies carry it.
    public func send(_ message: Message) async throws(IRCClientError) {
        let session = try registeredSession()
        try await enqueue([CTCP.defanged(message).serialized()], lane: .control, session: session).get()
    }

    /// Joins a channel now (when registered) and after every reconnect.
    public func join(_ channel: String, key: String? = nil) {
        let wanted = IRCConnectionConfiguration.Channel(channel, key: key)
        if let key { joinedKeys.insert(key) }
        let mapping = session?.support.caseMapping ?? .rfc1459
        if !desiredChannels.contains(where: { mapping.equal($0.name, channel) }) {
            desiredChannels.append(wanted)
        }
        if let session, session.registration.isRegistered {
            enqueueUnawaited([joinLine(wanted)], lane: .control, session: session)
        }
    }

    /// Leaves a channel and stops rejoining it.
    public func part(_ channel: String, reason: String? = nil) {
        let mapping = session?.support.caseMapping ?? .rfc1459
        desiredChannels.removeAll { mapping.equal($0.name, channel) }
        if let session, session.registration.isRegistered {
            let line = reason.map { Message("PART", channel, $0) } ?? Message("PART", channel)
            enqueueUnawaited([line.serialized()], lane: .control, session: session)
        }
    }

    /// Our nick while registered.
    public var currentNick: String? {
        guard let session, session.registration.isRegistered else { return nil }
        return session.nick
    }

    /// Channels the server confirmed we are in (names as the server spelled them).
    public var joinedChannels: [String] { session?.joined ?? [] }

    /// Whether the server confirmed we are in `channel` on the current connection (compared
    /// under the network's CASEMAPPING). False while disconnected, kicked or parted.
    public func isJoined(_ channel: String) -> Bool {
        session?.isJoined(channel) ?? false
    }

    public var isRegistered: Bool { session?.registration.isRegistered ?? false }

    /// The services account we are logged in as on this connection (SASL or NickServ), if any.
    public var account: String? { session?.account }

    /// Asks the server which services account `nick` is logged in to (WHOX `WHO nick %tna`
    /// when offered, else WHOIS / 330). Nil when there is no answer within `timeout`, the nick
    /// is not on the network, or we are not connected.
    public func lookUpAccount(_ nick: String, timeout: Duration = .seconds(10)) async -> AccountTracker.Knowledge? {
        guard let session, session.registration.isRegistered, !stopping,
              !nick.isEmpty, !nick.utf8.contains(where: { [0, 0x0A, 0x0D, 0x20, 0x2C].contains($0) }) else { return nil }
        let ticket = nextTicket
        nextTicket += 1
        let key = session.accounts.caseMapping.lowercased(nick)
        let query = session.accounts.lookup(for: nick, support: session.support)
        session.accountWaiters[key, default: []].append(ticket)
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.answerLookup(ticket, nil)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            accountLookups[ticket] = continuation
            enqueueUnawaited([query.serialized()], lane: .control, session: session)
        }
    }

    private func answerLookup(_ ticket: Int, _ knowledge: AccountTracker.Knowledge?) {
        accountLookups.removeValue(forKey: ticket)?.resume(returning: knowledge)
    }

    /// What the server told us in 005 (case mapping, channel types, line length, …).
    public var serverSupport: ISupport? { session?.support }

    /// Lines waiting in the outgoing queue.
    public var queuedLineCount: Int { session?.queue.count ?? 0 }

    /// Stops for good: waits up to `drainTimeout` for queued lines to go out (and delivered
    /// ones to be confirmed), sends
    /// `QUIT :<quitMessage>` (default: the configured one), waits until it is written,
    /// closes, and returns when the client has stopped (`.stopped` is the last event).
    /// Lines still queued then fail with `.shutDown`. Calling it again just waits.
    public func shutdown(quitMessage: String? = nil, drainTimeout: Duration = .zero) async {
        guard !stopping else {
            await supervisor?.value
            return
        }
        stopping = true
        let deadline = clock.now.advanced(by: drainTimeout)
        // Lines delivered and not yet confirmed are waited for too: cut off now, they would be
        // said again after the restart.
        while let session, session.registration.isRegistered, !session.queue.isEmpty || !session.deliveries.isEmpty,
              clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if let session {
            let quit = Message("QUIT", quitMessage ?? configuration.quitMessage)
            try? await quitAndClose(quit, session: session).get()
        }
        if let supervisor {
            supervisor.cancel()
            await supervisor.value
        } else {
            eventSink.yield(.stopped)
            eventSink.finish()
        }
    }

    // MARK: - Supervisor

    private func supervise() async {
        while !stopping, !Task.isCancelled {
            attempt += 1
            eventSink.yield(.connecting(attempt: attempt))
            logger.info("connecting to \(configuration.host):\(configuration.port) (attempt \(attempt))")
            let (reason, uptime) = await connectAndRun()
            if stopping { break }
            backoff.connectionEnded(uptime: uptime)
            guard reason.retry else {
                logger.error("not reconnecting: \(reason)")
                eventSink.yield(.disconnected(reason: reason.description, reconnectIn: nil))
                break
            }
            let delay = backoff.nextDelay(penalized: reason.penalized, using: &random)
            logger.warning("disconnected: \(reason); reconnecting in \(delay.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
            eventSink.yield(.disconnected(reason: reason.description, reconnectIn: delay))
            do {
                try await Task.sleep(for: delay)
            } catch {
                break
            }
        }
        stopping = true
        eventSink.yield(.stopped)
        eventSink.finish()
    }

    /// One connection from TCP connect to close. Returns why it ended and how long it was registered.
    private func connectAndRun() async -> (DisconnectReason, Duration) {
        let sslContext: NIOSSLContext?
        if configuration.tls {
            do {
                sslContext = try TLSSetup.makeContext(for: configuration)
            } catch {
                return (.configuration(error.description), .zero)
            }
        } else {
            sslContext = nil
        }
        let hostname = TLSSetup.serverHostname(for: configuration.host)
        let (inputs, sink) = AsyncStream.makeStream(of: ConnectionInput.self)
        let server = "\(configuration.host):\(configuration.port)"
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        if let sslContext {
                            try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: hostname))
                        }
                        try pipeline.addHandler(ByteToMessageHandler(IRCLineDecoder()))
                        try pipeline.addHandler(IRCInboundHandler(sink: sink, waitsForTLS: sslContext != nil, server: server))
                    }
                }
                .connect(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            sink.finish()
            return (.connectFailed(ConnectionErrorText.describe(error, server: server)), .zero)
        }

        let id = nextSessionID
        nextSessionID += 1
        let session = Session(
            id: id,
            channel: channel,
            registration: RegistrationStateMachine(configuration: configuration.registration(maxNickLength: learnedNickLength)),
            configuration: configuration,
            now: clock.now
        )
        self.session = session
        let writer = Task { await self.runWriter(id) }
        let watchdog = Task { await self.runWatchdog(id) }
        let confirmWatchdog = Task { await self.runConfirmWatchdog(id) }
        let registrationTimeout = configuration.registrationTimeout
        let registrationTimer = Task {
            try? await Task.sleep(for: registrationTimeout)
            if !Task.isCancelled { self.registrationTimerFired(id) }
        }

        for await input in inputs {
            handle(input, session: session)
        }

        writer.cancel()
        watchdog.cancel()
        confirmWatchdog.cancel()
        registrationTimer.cancel()
        session.timers.forEach { $0.cancel() }
        session.wake.finish()
        channel.close(promise: nil)
        for ticket in session.queue.removeAll() {
            finish(ticket, .failure(stopping ? .shutDown : .connectionLost))
        }
        for ticket in session.accountWaiters.values.joined() { answerLookup(ticket, nil) }
        session.confirmWake.finish()
        // What was written and not confirmed is the caller's to send again after the reconnect.
        for (_, pending) in session.deliveries.sorted(by: { $0.key < $1.key }) {
            pending.continuation.resume(returning: .interrupted(confirmedOffset: pending.confirmedOffset))
        }
        session.deliveries = [:]
        self.session = nil
        let uptime = session.registeredAt.map { $0.duration(to: clock.now) } ?? .zero
        return (session.endReason ?? (stopping ? .shutdown : .closedByServer), uptime)
    }

    // MARK: - Incoming

    private func handle(_ input: ConnectionInput, session: Session) {
        switch input {
        case .ready(let tls):
            let security = tls ? (configuration.tlsVerify ? "TLS, certificate verified" : "TLS, NOT verified") : "plain text"
            logger.info("connected to \(configuration.host):\(configuration.port) (\(security))")
            eventSink.yield(.connected)
            execute(session.registration.handle(.connected), session: session)
        case .line(let text):
            received(text, session: session)
        case .overlong(let length):
            logger.warning("skipped an overlong line from the server (\(length) bytes)")
        case .failed(let text):
            if session.endReason == nil { session.endReason = .transport(text) }
            logger.error("connection error: \(text)")
        case .closed:
            break
        }
    }

    private func received(_ text: String, session: Session) {
        session.watchdog.received(at: clock.now)
        let message: Message
        do {
            message = try Message(parsing: text)
        } catch {
            logger.warning("skipped a line that is not IRC (\(error)): \(redaction.scrubbed(String(text.prefix(200))))")
            return
        }
        logger.trace("<< \(redaction.loggable(line: text))")
        let decisions = session.confirmations.received(message, ourNick: nick(of: session), caseMapping: support(of: session).caseMapping)
        if !decisions.isEmpty { apply(decisions, session: session) }
        switch message.command {
        case "PING":
            writeNow(Message(command: "PONG", params: message.params), session: session)
            return
        case "PONG":
            return
        case "ERROR":
            let text = message.params.last ?? ""
            if session.endReason == nil { session.endReason = .serverError(text) }
            logger.warning("server closed the link: \(text)")
            return
        case "001":
            // "Welcome to the … Network nick!user@host": our mask, for the line splitter.
            if let last = message.params.last?.split(separator: " ").last, last.contains("!"), last.contains("@") {
                let mask = Source(parsing: last)
                if mask.nick == message.params.first { session.hostmask = mask }
            }
        default:
            break
        }
        let wasRegistered = session.registration.isRegistered
        execute(session.registration.handle(.received(message)), session: session)
        if wasRegistered {
            afterRegistration(message, session: session)
            noteAccessChange(message, session: session)
        }
    }

    private func execute(_ actions: [RegistrationAction], session: Session) {
        for action in actions {
            switch action {
            case .send(let message):
                writeNow(message, session: session)
            case .log(let level, let text):
                logger.log(level: level.loggerLevel, "\(text)")
            case .registered(let nick):
                session.nick = nick
                session.registeredAt = clock.now
                logger.info("registered as \(nick)")
                eventSink.yield(.registered(nick: nick))
                regainNickIfNeeded(session: session)
                let joins = desiredChannels.map(joinLine)
                if !joins.isEmpty { enqueueUnawaited(joins, lane: .control, session: session) }
            case .loggedIn(let account, let mask):
                session.account = account
                if let mask { session.hostmask = Source(parsing: Substring(mask)) }
                eventSink.yield(.loggedIn(account: account))
            case .capabilitiesChanged(let capabilities):
                session.capabilities = capabilities
            case .disconnect(let failure, let retry):
                if session.endReason == nil { session.endReason = .registration(failure, retry: retry) }
                quitAndClose(Message("QUIT", failure.description), session: session)
            }
        }
    }

    /// Everything that matters once we are on the network.
    private func afterRegistration(_ message: Message, session: Session) {
        let params = message.params
        for result in session.accounts.handle(message) {
            let key = session.accounts.caseMapping.lowercased(result.nick)
            for ticket in session.accountWaiters.removeValue(forKey: key) ?? [] { answerLookup(ticket, result.knowledge) }
        }
        let fromUs = message.source.map { session.same($0.nick, session.nick) } ?? false
        switch message.command {
        case "005":
            session.support.apply(message)
            session.accounts.caseMapping = session.support.caseMapping
            if session.support.value("NICKLEN") != nil { learnedNickLength = session.support.nickLength }
        case "396":
            // RPL_VISIBLEHOST <nick> <host> :is now your displayed host
            if params.count >= 2 {
                var mask = session.hostmask ?? Source(nick: session.nick)
                mask.host = params[1]
                session.hostmask = mask
            }
        case "CHGHOST":
            if fromUs, params.count >= 2 {
                session.hostmask = Source(nick: session.nick, user: params[0], host: params[1])
            }
        case "NICK":
            if fromUs, let new = params.first {
                session.nick = new
                session.hostmask?.nick = new
                logger.info("our nick is now \(new)")
                eventSink.yield(.nickChanged(new))
                regainNickIfNeeded(session: session)
            }
        case "JOIN":
            if fromUs, let channel = params.first {
                if let source = message.source, source.user != nil { session.hostmask = source }
                if !session.isJoined(channel) { session.joined.append(channel) }
                session.joinRefusals[session.support.caseMapping.lowercased(channel)] = nil
                logger.info("joined \(channel)")
                eventSink.yield(.joined(channel: channel))
            }
        case "PART":
            if fromUs, let channel = params.first {
                session.joined.removeAll { session.same($0, channel) }
                logger.info("left \(channel)")
                eventSink.yield(.parted(channel: channel))
            }
        case "KICK":
            guard params.count >= 2, session.same(params[1], session.nick) else { return }
            kicked(from: params[0], by: message.source?.nick ?? "?", reason: params.count >= 3 ? params[2] : "", session: session)
        case "901":
            // RPL_LOGGEDOUT (services dropped us, e.g. the account was deleted).
            session.account = nil
        case "PRIVMSG", "NOTICE":
            chat(message, session: session)
        case "471", "473", "474", "475":
            // Full, invite-only, banned, wrong key: states that people change, so ask again.
            guard params.count >= 2 else { return }
            joinRefused(params[1], reason: "\(params.count >= 3 ? params[params.count - 1] : "") (\(message.command))", session: session)
        case "403", "405", "477":
            logger.warning("cannot join \(params.count >= 2 ? params[1] : "?"): \(params.last ?? message.command) (\(message.command))")
        default:
            break
        }
    }

    private func kicked(from channel: String, by kicker: String, reason: String, session: Session) {
        session.joined.removeAll { session.same($0, channel) }
        logger.warning("kicked from \(channel) by \(kicker): \(reason)")
        eventSink.yield(.kicked(channel: channel, by: kicker, reason: reason))
        guard configuration.rejoinOnKick,
              let wanted = desiredChannels.first(where: { session.same($0.name, channel) })
        else { return }
        let id = session.id
        let delay = configuration.rejoinDelay
        session.timers.append(Task {
            try? await Task.sleep(for: delay)
            if !Task.isCancelled { self.rejoin(wanted, sessionID: id) }
        })
    }

    private func joinRefused(_ channel: String, reason: String, session: Session) {
        guard let wanted = desiredChannels.first(where: { session.same($0.name, channel) }) else {
            logger.warning("cannot join \(channel): \(reason)")
            return
        }
        let key = session.support.caseMapping.lowercased(channel)
        let refusals = (session.joinRefusals[key] ?? 0) + 1
        session.joinRefusals[key] = refusals
        let delay = JoinRetryBackoff(base: configuration.rejoinDelay, maximum: configuration.joinRetryMaximum)
            .delay(afterRefusals: refusals)
        logger.warning("cannot join \(channel): \(reason); trying again in \(delay) (refusal \(refusals) in a row)")
        let id = session.id
        session.timers.append(Task {
            try? await Task.sleep(for: delay)
            if !Task.isCancelled { self.rejoin(wanted, sessionID: id) }
        })
    }

    /// Starts asking for the configured nick every `nickRegainInterval` while we are on a
    /// fallback one (taken at connect time, or changed by services); the timer ends once we
    /// have it or the connection ends. A refusal (433) after registration changes nothing.
    private func regainNickIfNeeded(session: Session) {
        guard let configured = configuration.nickRegainInterval, configured > .zero, !session.regainingNick,
              !session.same(session.nick, configuration.nick)
        else { return }
        // A NICK per round trip would crowd out chat on the control lane.
        let interval = max(configured, .milliseconds(100))
        session.regainingNick = true
        logger.info("on fallback nick \(session.nick); asking for \(configuration.nick) every \(interval)")
        let id = session.id
        session.timers.append(Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled, self.askForConfiguredNick(sessionID: id) else { return }
            }
        })
    }

    /// Whether the nick regain timer runs (for tests).
    var isRegainingNick: Bool { session?.regainingNick ?? false }

    /// Sends `NICK <configured>`; false once there is nothing more to ask for.
    private func askForConfiguredNick(sessionID: Int) -> Bool {
        guard let session, session.id == sessionID else { return false }
        guard !session.same(session.nick, configuration.nick) else {
            session.regainingNick = false
            return false
        }
        enqueueUnawaited([Message("NICK", configuration.nick).serialized()], lane: .control, session: session)
        return true
    }

    private func rejoin(_ channel: IRCConnectionConfiguration.Channel, sessionID: Int) {
        guard let session, session.id == sessionID,
              desiredChannels.contains(where: { session.same($0.name, channel.name) })
        else { return }
        logger.info("rejoining \(channel.name)")
        enqueueUnawaited([joinLine(channel)], lane: .control, session: session)
    }

    private func chat(_ message: Message, session: Session) {
        guard message.params.count >= 2, let sender = message.source else { return }
        let target = message.params[0]
        let text = message.params[1]
        if CTCP.isCTCP(text) {
            answerCTCP(message, session: session)
            return
        }
        // Server notices (no user@host) are not chat; our own lines echoed back are not either.
        guard sender.user != nil || sender.host != nil else {
            logger.debug("server notice: \(text)")
            return
        }
        guard !session.same(sender.nick, session.nick) else { return }
        var channel: String?
        let statusPrefixes = session.support.value("STATUSMSG") ?? "@+"
        if session.support.isChannel(target) {
            channel = target
        } else if let first = target.first, statusPrefixes.contains(first), session.support.isChannel(String(target.dropFirst())) {
            // STATUSMSG (`@#chan`): still a channel message.
            channel = String(target.dropFirst())
        }
        let kind: IRCChatMessage.Kind = message.command == "NOTICE" ? .notice : .privmsg
        let knowledge = session.accounts.verifiedKnowledge(of: sender.nick, tag: message.tags["account"])
        var account: String?
        switch knowledge {
        case .loggedIn(let name): account = name
        case .loggedOut: account = nil
        case nil:
            // Nothing current to go on: no account (task ownership falls back to the nick, as
            // before); the bridge looks it up where a permission depends on it.
            account = nil
        }
        eventSink.yield(.message(IRCChatMessage(
            network: configuration.name, kind: kind, sender: sender, target: target, channel: channel,
            text: text, account: account, tags: message.tags, accountVerified: knowledge != nil,
            caseMapping: session.support.caseMapping
        )))
    }

    /// CTCP requests are answered here, never shown as chat. `CTCP.reply` ignores NOTICEs (two
    /// bots would answer each other forever) and requests we do not support (ACTION included).
    private func answerCTCP(_ message: Message, session: Session) {
        guard let reply = CTCP.reply(to: message, version: configuration.version, now: Date()) else { return }
        guard ctcpLimiter.allow(now: clock.now) else {
            logger.debug("CTCP from \(message.source?.nick ?? "?") not answered (rate limit)")
            return
        }
        enqueueUnawaited([reply.serialized()], lane: .control, session: session)
    }

    /// What must not appear in a log line; built only when a line is logged.
    private var redaction: Redaction {
        Redaction(configuration, joinedKeys: Array(joinedKeys))
    }

    private func registrationTimerFired(_ id: Int) {
        guard let session, session.id == id else { return }
        execute(session.registration.handle(.timedOut), session: session)
    }

    // MARK: - Outgoing

    private func registeredSession() throws(IRCClientError) -> Session {
        if stopping { throw .shutDown }
        guard let session, session.registration.isRegistered else { throw .notConnected }
        return session
    }

    /// The wire lines carrying `text`, cut to fit as recipients receive them.
    private func chatLines(_ kind: IRCChatMessage.Kind, to target: String, text: String, session: Session) throws(IRCClientError) -> [String] {
        // A target is one nick or channel; a space or comma would address someone else.
        guard Self.isUsableTarget(target) else { throw .invalidTarget(target) }
        let splitter = LineSplitter(sender: session.sender, lineLength: session.support.lineLength)
        let command = kind == .notice ? "NOTICE" : "PRIVMSG"
        return splitter.split(text, command: command, target: target).map { $0.serialized() }
    }

    private func joinLine(_ channel: IRCConnectionConfiguration.Channel) -> String {
        (channel.key.map { Message("JOIN", channel.name, $0) } ?? Message("JOIN", channel.name)).serialized()
    }

    private func enqueue(_ lines: [String], lane: OutgoingQueue.Lane, session: Session) async -> Result<Void, IRCClientError> {
        let ticket = nextTicket
        nextTicket += 1
        return await withCheckedContinuation { continuation in
            waiting[ticket] = continuation
            session.queue.enqueue(lines, lane: lane, ticket: ticket)
            session.wake.yield()
        }
    }

    private func enqueueUnawaited(_ lines: [String], lane: OutgoingQueue.Lane, session: Session) {
        guard !lines.isEmpty else { return }
        session.queue.enqueue(lines, lane: lane, ticket: nil)
        session.wake.yield()
    }

    private func finish(_ ticket: Int, _ result: Result<Void, IRCClientError>) {
        waiting.removeValue(forKey: ticket)?.resume(returning: result)
    }

    /// Writes past the queue: PONG, registration, QUIT never wait behind chat. Once registered
    /// they still spend flood budget, so the chat after them is spaced accordingly.
    @discardableResult
    private func writeNow(_ message: Message, session: Session) -> EventLoopFuture<Void> {
        let line = message.serialized() + "\r\n"
        if session.registration.isRegistered { _ = session.flood.reserve(bytes: line.utf8.count, now: clock.now) }
        logger.trace(">> \(redaction.loggable(message))")
        return session.channel.writeAndFlush(ByteBuffer(string: line))
    }

    /// Writes QUIT, then closes once it is written, or after `quitGrace` when the write cannot
    /// finish (a hung server that never completed the TLS handshake would otherwise keep the
    /// connection, and a shutdown, waiting forever).
    @discardableResult
    private func quitAndClose(_ quit: Message, session: Session) -> EventLoopFuture<Void> {
        let channel = session.channel
        let forced = channel.eventLoop.scheduleTask(in: Self.quitGrace) { channel.close(promise: nil) }
        return writeNow(quit, session: session).flatMapError { _ in channel.eventLoop.makeSucceededVoidFuture() }
            .flatMap {
                forced.cancel()
                return channel.close().flatMapError { _ in channel.eventLoop.makeSucceededVoidFuture() }
            }
    }

    private static let quitGrace = TimeAmount.seconds(1)

    /// Drains the queue at the pace `FloodControl` allows; each write is awaited so a caller's
    /// "written" means on the socket.
    private func runWriter(_ id: Int) async {
        guard let wakes = session(id)?.wakes else { return }
        var wake = wakes.makeAsyncIterator()
        while !Task.isCancelled {
            guard let session = session(id) else { return }
            guard session.registration.isRegistered, let next = session.queue.next else {
                if await wake.next() == nil { return }
                continue
            }
            let bytes = next.line.utf8.count + 2
            let delay = session.flood.delay(bytes: bytes, now: clock.now)
            if delay > .zero {
                // Then look again: a control line may have arrived to go first.
                do { try await Task.sleep(for: delay) } catch { return }
                continue
            }
            guard let (entry, completed) = session.queue.popNext() else { continue }
            noteWriting(entry, session: session)
            _ = session.flood.reserve(bytes: entry.line.utf8.count + 2, now: clock.now)
            logger.trace(">> \(redaction.loggable(line: entry.line))")
            do {
                try await session.channel.writeAndFlush(ByteBuffer(string: entry.line + "\r\n")).get()
                if let completed { finish(completed, .success(())) }
            } catch {
                if let ticket = entry.ticket {
                    session.queue.remove(ticket: ticket)
                    finish(ticket, .failure(.connectionLost))
                }
            }
        }
    }

    private func runWatchdog(_ id: Int) async {
        while !Task.isCancelled {
            guard let session = session(id) else { return }
            switch session.watchdog.check(now: clock.now) {
            case .wait(let deadline):
                do { try await Task.sleep(until: deadline, clock: clock) } catch { return }
            case .sendPing:
                writeNow(Message("PING", "mjbridge"), session: session)
            case .timedOut:
                logger.warning("no answer to PING within \(configuration.ping.timeout), reconnecting")
                if session.endReason == nil { session.endReason = .pingTimeout(configuration.ping.timeout) }
                Self.reset(session.channel)
                return
            }
        }
    }

    private func session(_ id: Int) -> Session? {
        guard let session, session.id == id else { return nil }
        return session
    }
}

// MARK: - Confirmed sends

extension IRCConnection {
    /// Whether we mean to be in `channel`: configured or joined since, and not parted (compared
    /// under the network's CASEMAPPING). Kicked, banned or disconnected, we still do.
    /// (Main's session state machine has the same method: keep that one at the merge.)
    public func isDesired(_ channel: String) -> Bool {
        let mapping = session.map { support(of: $0).caseMapping } ?? .rfc1459
        return desiredChannels.contains { mapping.equal($0.name, channel) }
    }

    // Where the connection's nick, 005 and mask live. After the merge with the session state
    // machine: `machine.nick`, `machine.support`, `machine.sender`.
    private func nick(of session: Session) -> String { session.nick }
    private func support(of session: Session) -> ISupport { session.support }
    private func sender(of session: Session) -> Source { session.sender }

    /// Whether `shutdown` has begun (for tests).
    var isShuttingDown: Bool { stopping }

    /// How lines are confirmed on the current connection (for tests).
    var confirmationMode: SendConfirmations<ContinuousClock.Instant>.Mode? { session?.confirmations.mode }

    /// One nick or channel: a space or comma would address someone else, CR/LF/NUL cannot travel.
    static func isUsableTarget(_ target: String) -> Bool {
        !target.isEmpty && !target.utf8.contains(where: { [0, 0x0A, 0x0D, 0x20, 0x2C].contains($0) })
    }

    /// `offset` clamped to the text and moved back to a scalar boundary (offsets this client
    /// reports always are one; saying a few bytes twice beats cutting a character).
    static func scalarBoundary(in text: String, atOrBefore offset: Int) -> Int {
        let utf8 = text.utf8
        var position = min(max(offset, 0), utf8.count)
        while position > 0, position < utf8.count, UTF8.isContinuation(utf8[utf8.index(utf8.startIndex, offsetBy: position)]) {
            position -= 1
        }
        return position
    }

    /// Tells `confirmations` about a chat line or barrier as it goes out, before the write
    /// completes: its answer may be read first. Chat lines nobody waits for are registered too,
    /// so their echoes and errors are not taken for a waiting line's.
    private func noteWriting(_ entry: OutgoingQueue.Entry, session: Session) {
        if let ticket = entry.ticket, let role = session.outgoingRoles.removeValue(forKey: ticket) {
            switch role {
            case .piece(let piece, let message):
                session.confirmations.writing(message, piece: piece, at: clock.now)
                session.confirmWake.yield()
            case .barrier(let token):
                session.confirmations.writingBarrier(token)
            }
        } else if session.confirmations.mode != .labeled, entry.line.hasPrefix("PRIVMSG ") || entry.line.hasPrefix("NOTICE "),
                  let message = try? Message(parsing: entry.line) {
            session.confirmations.writing(message, piece: nil, at: clock.now)
        }
    }

    private func apply(_ decisions: [SendConfirmations<ContinuousClock.Instant>.Decision], session: Session) {
        for decision in decisions {
            switch decision {
            case .confirmed(let piece):
                guard var pending = session.deliveries[piece.delivery] else { continue }
                pending.progress.confirm(piece.index)
                if pending.progress.isComplete {
                    session.deliveries[piece.delivery] = nil
                    pending.continuation.resume(returning: .confirmed)
                } else {
                    session.deliveries[piece.delivery] = pending
                }
            case .refused(let piece, let refusal):
                guard let pending = session.deliveries.removeValue(forKey: piece.delivery) else { continue }
                // The rest of the text is not said after a refused piece: take back what is
                // still queued; answers to pieces already written decide nothing now.
                for ticket in pending.tickets where session.outgoingRoles.removeValue(forKey: ticket) != nil {
                    session.queue.remove(ticket: ticket)
                }
                session.confirmations.forget(delivery: piece.delivery)
                logger.debug("the server refused a line: \(refusal)")
                pending.continuation.resume(returning: .refused(refusal, confirmedOffset: pending.confirmedOffset))
            case .barrierPassed:
                break
            }
        }
    }

    /// Closes the connection when a written piece waited longer than `confirmTimeout` for its
    /// answer: a server that stopped reading (or a half-open connection) answers nothing, and
    /// the ping watchdog would take up to ping idle + timeout to notice.
    private func runConfirmWatchdog(_ id: Int) async {
        guard let wakes = session(id)?.confirmWakes else { return }
        var wake = wakes.makeAsyncIterator()
        while !Task.isCancelled {
            guard let session = session(id) else { return }
            guard let deadline = session.confirmations.deadline else {
                if await wake.next() == nil { return }
                continue
            }
            if clock.now >= deadline {
                logger.warning("no answer to a line we sent within \(configuration.confirmTimeout), reconnecting")
                if session.endReason == nil { session.endReason = .unconfirmed(configuration.confirmTimeout) }
                Self.reset(session.channel)
                return
            }
            // The deadline only moves later while we sleep (answers remove the oldest pieces).
            do { try await Task.sleep(until: deadline, clock: clock) } catch { return }
        }
    }

    /// Closes with a TCP reset (SO_LINGER 0) rather than a FIN: a frozen server's kernel then
    /// drops what the server has not read yet, instead of handing it over when the server wakes
    /// up, so the unconfirmed lines are less often said twice (once here, once after the
    /// reconnect). A line the server already read may still be; never one lost.
    private static func reset(_ channel: any Channel) {
        guard let sockets = channel as? any SocketOptionProvider else {
            channel.close(promise: nil)
            return
        }
        sockets.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Reports what may let a held line through in a channel: our JOIN, a status given to us,
    /// a mode taken off (-m, -b, …).
    private func noteAccessChange(_ message: Message, session: Session) {
        let params = message.params
        switch message.command {
        case "JOIN":
            guard let channel = params.first, let source = message.source,
                  support(of: session).caseMapping.equal(source.nick, nick(of: session)) else { return }
            eventSink.yield(.channelAccessChanged(channel: channel))
        case "MODE":
            let support = support(of: session)
            guard params.count >= 2, support.isChannel(params[0]) else { return }
            let changes = ChannelModeChange.parse(params, support: support)
            if ChannelModeChange.mayLetSpeak(changes, nick: nick(of: session), support: support) {
                eventSink.yield(.channelAccessChanged(channel: params[0]))
            }
        default:
            break
        }
    }
}

/// Lets the actor hold whatever generator the caller injected (seeded in tests).
private struct BoxedRandom: RandomNumberGenerator, Sendable {
    var base: any RandomNumberGenerator & Sendable
    mutating func next() -> UInt64 { base.next() }
}

extension LogLevel {
    var loggerLevel: Logger.Level {
        switch self {
        case .debug: return .debug
        case .info: return .info
        case .notice: return .notice
        case .warning: return .warning
        case .error: return .error
        }
    }
}
