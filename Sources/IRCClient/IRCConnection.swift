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
    /// While `configuration.eventBacklogLimit` events wait unread, further chat messages are
    /// dropped (counted in `droppedChatMessages`, reported by `.chatDropped`); no other event is.
    public nonisolated let events: IRCEventStream

    private let eventSink: EventSink
    /// Chat messages dropped since the last one that got through (logged once per lag).
    private var droppingChat = 0
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
    /// Nick, channels (wanted and joined), kicks, rejoins, nick regain, hostmask and 005:
    /// the protocol decisions after registration, kept across reconnects. The actor only
    /// executes its actions (`execute(_:[SessionAction])`).
    private var machine: IRCSessionStateMachine
    private var nextTimerSerial = 0
    /// Every channel key given to `join`, kept out of the logs even after a part.
    private var joinedKeys: Set<String> = []
    private var ctcpLimiter = CTCPRateLimiter()
    /// `lookUpAccount` continuations by ticket; answered by the server, a timeout or the end
    /// of the connection, whichever comes first.
    private var accountLookups: [Int: CheckedContinuation<AccountTracker.Knowledge?, Never>] = [:]
    /// `channelStanding` queries by ticket: the NAMES lines collected so far, whom they are about.
    private var namesQueries: [Int: NamesQuery] = [:]
    /// Where STS policies are kept across restarts; nil: only this process remembers upgrades.
    private let stsPolicies: (any STSPolicyStore)?
    /// The TLS port a plain-text connection sent us to (STS): from then on, never plain again.
    private var stsUpgradePort: Int?
    /// Store writes of STS policies, one after the other (a forget never overtakes a remember).
    private var stsWrites: Task<Void, Never>?
    /// The plain-text warning is logged once per client, not per reconnect.
    private var warnedPlainText = false
    /// Wall-clock time for STS expiry (a policy outlives the process); injected in tests.
    private let wallClock: @Sendable () -> Date

    public init(
        configuration: IRCConnectionConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "mjbridge.irc"),
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        stsPolicies: (any STSPolicyStore)? = nil,
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.stsPolicies = stsPolicies
        self.wallClock = wallClock
        (events, eventSink) = IRCEventStream.make(chatLimit: configuration.eventBacklogLimit)
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
        self.machine = IRCSessionStateMachine(configuration: configuration.session)
    }

    // MARK: - Public API

    /// Starts connecting; reconnects on its own until `shutdown`.
    public func start() {
        guard supervisor == nil, !stopping else { return }
        // A plain-text config is warned about when a connection really goes out in plain text
        // (`plannedEndpoint`): a stored STS policy may make it TLS.
        if configuration.tls, !configuration.tlsVerify, configuration.tlsFingerprints.isEmpty {
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
    /// server has answered: `.confirmed` when it passed every line on (echo, label or PING
    /// barrier, see `SendConfirmations`), `.refused` at the first line it would not pass on,
    /// `.interrupted` when not registered, shutting down, or the connection ended first. The
    /// lines go out one at a time, each once the one before was confirmed, so nothing after a
    /// refused line was written (see `PendingDelivery`). A line written and not answered
    /// within `confirmTimeout` means the server stopped reading: the connection is closed (and
    /// reopened) and the call reports `.interrupted`. Offsets in the result say where the next
    /// attempt starts; a line is never written twice on one connection.
    ///
    /// Cancelling the calling task withdraws the delivery: lines still queued are taken out
    /// of the queue at once, and the call returns `.interrupted` as soon as a line already
    /// written is answered (bounded by `confirmTimeout`), so a caller that gave up and tries
    /// again never has the same text queued twice.
    public func deliver(_ kind: IRCChatMessage.Kind, to target: String, text: String, from offset: Int = 0) async -> IRCDeliveryResult {
        let start = Self.scalarBoundary(in: text, atOrBefore: offset)
        guard Self.isUsableTarget(target) else {
            return .refused(SendRefusal(.invalidTarget, code: "target", reason: "'\(target)' is not a nick or channel name"), confirmedOffset: start)
        }
        guard !stopping, !Task.isCancelled, let session, session.registration.isRegistered else {
            return .interrupted(confirmedOffset: start)
        }
        let rest = String(decoding: text.utf8.dropFirst(start), as: UTF8.self)
        let splitter = LineSplitter(sender: sender(of: session), lineLength: support(of: session).lineLength)
        let pieces = splitter.pieces(of: rest, command: kind == .notice ? "NOTICE" : "PRIVMSG", target: target)
        guard !pieces.isEmpty else { return .confirmed }
        let delivery = nextTicket
        nextTicket += 1
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                var pending = PendingDelivery(start: start, pieces: pieces.map(\.message),
                                              progress: DeliveryProgress(ends: pieces.map(\.end)), continuation: continuation)
                queueCurrentPiece(of: &pending, delivery: delivery, session: session)
                session.deliveries[delivery] = pending
            }
        } onCancel: {
            Task { await self.withdraw(delivery) }
        }
    }

    /// Queues `pending`'s current piece (labeled when labels are on) and, without labels, a
    /// PING barrier after it. The first piece waits its turn in the chat lane; a later one goes
    /// to the front (its reply is already under way), so what was queued meanwhile, such as an
    /// immediate answer to a command, comes after the reply rather than inside it.
    private func queueCurrentPiece(of pending: inout PendingDelivery, delivery: Int, session: Session) {
        var lines: [(line: String, ticket: Int)] = []
        func add(_ line: String, as role: OutgoingRole) {
            let ticket = nextTicket
            nextTicket += 1
            session.outgoingRoles[ticket] = role
            lines.append((line, ticket))
        }
        var message = pending.pieces[pending.current]
        if let label = session.confirmations.makeLabel() { message.tags["label"] = label }
        add(message.serialized(), as: .piece(.init(delivery: delivery, index: pending.current), message))
        if session.confirmations.mode.usesBarrier {
            let token = session.confirmations.makeBarrierToken()
            add(Message("PING", token).serialized(), as: .barrier(token))
        }
        if pending.current == 0 {
            for (line, ticket) in lines { session.queue.enqueue([line], lane: .chat, ticket: ticket) }
        } else {
            for (line, ticket) in lines.reversed() { session.queue.enqueueFirst(line, lane: .chat, ticket: ticket) }
        }
        pending.tickets = lines.map(\.ticket)
        // The next piece is at the front of the lane now: the reply stays together. (An echo
        // may confirm a piece before its barrier is written: that barrier holds nothing.)
        releaseChat(for: delivery, session: session)
        // More pieces follow: once this step is out, other chat lines wait for the next one.
        if pending.current < pending.pieces.count - 1, let last = lines.last {
            session.holdingTickets[last.ticket] = delivery
        }
        session.wake.yield()
    }

    /// Other chat lines no longer wait for `delivery`'s pieces: its next piece is queued, or
    /// it is over.
    private func releaseChat(for delivery: Int, session: Session) {
        if session.holdingTickets.values.contains(delivery) {
            session.holdingTickets = session.holdingTickets.filter { $0.value != delivery }
        }
        if session.chatHeldFor == delivery {
            session.chatHeldFor = nil
            session.wake.yield()
        }
    }

    /// The caller of `deliver` stopped waiting: what is still queued of it is taken back; a
    /// piece already written keeps the call open until the server answers it (or the
    /// connection ends), since the next attempt must start after it if it was passed on.
    private func withdraw(_ delivery: Int) {
        guard let session, var pending = session.deliveries[delivery] else { return }
        let pieceTicket = pending.tickets.first
        let pieceWritten = pieceTicket.map { session.outgoingRoles[$0] == nil } ?? true
        // The barrier stays when its piece is out: its PONG is what answers the piece.
        for ticket in pending.tickets where !pieceWritten || ticket == pieceTicket {
            if session.outgoingRoles.removeValue(forKey: ticket) != nil { session.queue.remove(ticket: ticket) }
        }
        if pieceWritten {
            pending.isWithdrawn = true
            session.deliveries[delivery] = pending
            return
        }
        session.deliveries[delivery] = nil
        session.confirmations.forget(delivery: delivery)
        releaseChat(for: delivery, session: session)
        logger.debug("a delivery was withdrawn before its next line was written")
        pending.continuation.resume(returning: .interrupted(confirmedOffset: pending.confirmedOffset))
    }

    /// Sends one raw line through the flood-limited queue, ahead of chat; returns once written.
    /// A PRIVMSG or NOTICE loses any `\u{1}`: only the client's own CTCP replies carry it.
    public func send(_ message: Message) async throws(IRCClientError) {
        let session = try registeredSession()
        try await enqueue([CTCP.defanged(message).serialized()], lane: .control, session: session).get()
    }

    /// Joins a channel now (when registered) and after every reconnect.
    public func join(_ channel: String, key: String? = nil) {
        if let key { joinedKeys.insert(key) }
        execute(machine.handle(.joinRequested(WantedChannel(channel, key: key))), session: session)
    }

    /// Leaves a channel and stops rejoining it.
    public func part(_ channel: String, reason: String? = nil) {
        execute(machine.handle(.partRequested(channel: channel, reason: reason)), session: session)
    }

    /// Our nick while registered.
    public var currentNick: String? {
        guard let session, session.registration.isRegistered else { return nil }
        return machine.nick
    }

    /// Channels the server confirmed we are in (names as the server spelled them).
    public var joinedChannels: [String] { session == nil ? [] : machine.joinedChannels }

    /// Whether the server confirmed we are in `channel` on the current connection (compared
    /// under the network's CASEMAPPING). False while disconnected, kicked or parted.
    public func isJoined(_ channel: String) -> Bool {
        session != nil && machine.isJoined(channel)
    }

    /// Channels we mean to be in (configured, plus `join`, minus `part`), joined or not:
    /// rejoined after every reconnect and, with `rejoinOnKick`, after a kick.
    public var desiredChannels: [IRCConnectionConfiguration.Channel] { machine.desiredChannels }

    /// Whether we mean to be in `channel` (under the network's CASEMAPPING), joined or not.
    public func isDesired(_ channel: String) -> Bool {
        machine.isDesired(channel)
    }

    public var isRegistered: Bool { session?.registration.isRegistered ?? false }

    /// The services account we are logged in as on this connection (SASL or NickServ), if any.
    public var account: String? { session == nil ? nil : machine.account }

    /// Asks the server which services account `nick` is logged in to (WHOX `WHO nick %tna`
    /// when offered, else WHOIS / 330). Nil when there is no answer within `timeout`, the nick
    /// is not on the network, or we are not connected.
    public func lookUpAccount(_ nick: String, timeout: Duration = .seconds(10)) async -> AccountTracker.Knowledge? {
        guard let session, session.registration.isRegistered, !stopping,
              !nick.isEmpty, !nick.utf8.contains(where: { [0, 0x0A, 0x0D, 0x20, 0x2C].contains($0) }) else { return nil }
        let ticket = nextTicket
        nextTicket += 1
        let key = session.accounts.caseMapping.lowercased(nick)
        let query = session.accounts.lookup(for: nick, support: machine.support)
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
    public var serverSupport: ISupport? { session == nil ? nil : machine.support }

    /// Chat messages dropped from `events` since the client started because the consumer lagged.
    public nonisolated var droppedChatMessages: Int { events.backlog.dropped }

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
            // The last STS refresh is in the store before the caller closes it.
            await stsWrites?.value
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
            guard let endpoint = await plannedEndpoint() else {
                // The stored STS policy could not be read and there are credentials to protect:
                // this attempt is skipped like a failed connection, not made in plain text.
                let delay = backoff.nextDelay(penalized: false, using: &random)
                eventSink.yield(.disconnected(reason: "cannot read the stored STS policy; not connecting in plain text with credentials",
                                              reconnectIn: delay))
                do { try await Task.sleep(for: delay) } catch { break }
                continue
            }
            logger.info("connecting to \(configuration.host):\(endpoint.port)\(endpoint.tls == configuration.tls ? "" : " with TLS") (attempt \(attempt))")
            let (reason, uptime) = await connectAndRun(endpoint)
            if stopping { break }
            if case .stsUpgrade = reason {
                // The spec asks for the secure connection at once; the backoff is for failures.
                logger.notice("\(reason)")
                eventSink.yield(.disconnected(reason: reason.description, reconnectIn: .zero))
                continue
            }
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
    private func connectAndRun(_ endpoint: STSEndpoint) async -> (DisconnectReason, Duration) {
        let sslContext: NIOSSLContext?
        if endpoint.tls {
            do {
                sslContext = try TLSSetup.makeContext(for: configuration)
            } catch {
                return (.configuration(error.description), .zero)
            }
        } else {
            sslContext = nil
        }
        let hostname = TLSSetup.serverHostname(for: configuration.host)
        let pins = configuration.tlsFingerprints
        let (inputs, sink) = AsyncStream.makeStream(of: ConnectionInput.self)
        let backlog = InboundBacklog(limit: configuration.readBacklogLimit)
        let server = "\(configuration.host):\(endpoint.port)"
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        let pinRefusal = NIOLoopBoundBox<String?>(nil, eventLoop: channel.eventLoop)
                        if let sslContext {
                            try pipeline.addHandler(TLSSetup.clientHandler(
                                context: sslContext, serverHostname: hostname, pins: pins,
                                server: server, refusal: pinRefusal))
                        }
                        try pipeline.addHandler(ByteToMessageHandler(IRCLineDecoder()))
                        try pipeline.addHandler(IRCInboundHandler(sink: sink, backlog: backlog, waitsForTLS: sslContext != nil, server: server,
                                                                  pinRefusal: pinRefusal))
                    }
                }
                .connect(host: configuration.host, port: endpoint.port)
                .get()
        } catch {
            sink.finish()
            return (.connectFailed(ConnectionErrorText.describe(error, server: server)), .zero)
        }

        let id = nextSessionID
        nextSessionID += 1
        let transport: STSPolicy.Transport = !endpoint.tls ? .plain
            : (configuration.tlsVerify || !configuration.tlsFingerprints.isEmpty) ? .verifiedTLS : .unverifiedTLS
        var registration = configuration.registration(maxNickLength: machine.learnedNickLength)
        registration.transport = transport
        let session = Session(
            id: id,
            channel: channel,
            registration: RegistrationStateMachine(configuration: registration),
            configuration: configuration,
            now: clock.now
        )
        session.port = endpoint.port
        session.transport = transport
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
            switch input {
            case .line, .overlong:
                if backlog.consumed() {
                    // Caught up: read again, unless one socket read refilled the backlog meanwhile.
                    channel.eventLoop.execute {
                        if backlog.mayResume { _ = channel.setOption(ChannelOptions.autoRead, value: true) }
                    }
                }
            default:
                break
            }
        }

        writer.cancel()
        watchdog.cancel()
        confirmWatchdog.cancel()
        registrationTimer.cancel()
        execute(machine.handle(.connectionEnded), session: session)
        reportDroppedChat()
        // The machine cancelled every timer it knew of; nothing may outlive the connection.
        for timer in session.timers.values { timer.task.cancel() }
        session.timers = [:]
        session.wake.finish()
        channel.close(promise: nil)
        for ticket in session.queue.removeAll() {
            finish(ticket, .failure(stopping ? .shutDown : .connectionLost))
        }
        for ticket in session.accountWaiters.values.joined() { answerLookup(ticket, nil) }
        for ticket in namesQueries.keys.sorted() { answerNames(ticket, nil) }
        if let duration = session.stsDuration {
            // The spec reschedules the expiry on disconnect: the policy runs from the last contact.
            rememberSTS(duration: duration, preload: session.stsPreload, port: session.port)
        }
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
            let security = !tls ? "plain text"
                : !configuration.tlsFingerprints.isEmpty ? "TLS, certificate matches tls_fingerprint"
                : configuration.tlsVerify ? "TLS, certificate verified" : "TLS, NOT verified"
            logger.info("connected to \(configuration.host):\(session.port) (\(security))")
            eventSink.yield(.connected)
            execute(session.registration.handle(.connected), session: session)
        case .line(let text):
            received(text, session: session)
        case .overlong(let length):
            logger.warning("skipped an overlong line from the server (\(length) bytes)")
        case .failed(let text):
            if session.endReason == nil { session.endReason = .transport(text) }
            logger.error("connection error: \(text)")
        case .refused(let text):
            // Retrying cannot help until the operator changes tls_fingerprint (or the server
            // its certificate back): no reconnect loop, the reason (logged by the supervisor as
            // "not reconnecting: …") says what to put there.
            session.endReason = .configuration(text)
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
        default:
            break
        }
        let wasRegistered = session.registration.isRegistered
        // 001 carries our hostmask: the session machine reads it before registration acts on it.
        if !wasRegistered { execute(machine.handle(.received(message)), session: session) }
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
                session.registeredAt = clock.now
                logger.info("registered as \(nick)")
                eventSink.yield(.registered(nick: nick))
                execute(machine.handle(.registered(nick: nick)), session: session)
            case .loggedIn(let account, let mask):
                execute(machine.handle(.loggedIn(account: account, mask: mask)), session: session)
                eventSink.yield(.loggedIn(account: account))
            case .capabilitiesChanged(let capabilities):
                session.capabilities = capabilities
            case .disconnect(let failure, let retry):
                if session.endReason == nil { session.endReason = .registration(failure, retry: retry) }
                quitAndClose(Message("QUIT", failure.description), session: session)
            case .upgradeToTLS(let port):
                stsUpgradePort = port
                session.endReason = .stsUpgrade(port: port)
                quitAndClose(Message("QUIT", "upgrading to TLS"), session: session)
            case .rememberSTS(let duration, let preload):
                guard session.transport == .verifiedTLS else { continue }
                session.stsDuration = duration
                session.stsPreload = preload
                logger.info("STS: this server asks for TLS for \(duration) s; remembered for \(configuration.host)")
                rememberSTS(duration: duration, preload: preload, port: session.port)
            case .forgetSTS:
                guard session.transport == .verifiedTLS else { continue }
                session.stsDuration = nil
                logger.info("STS: the server withdrew its policy (duration=0); forgotten for \(configuration.host)")
                writeSTS("forget the STS policy") { [host = configuration.host] in try await $0.forgetSTSPolicy(host: StoredSTSPolicy.key(host)) }
            }
        }
    }

    /// Everything that matters once we are on the network.
    private func afterRegistration(_ message: Message, session: Session) {
        for result in session.accounts.handle(message) {
            let key = session.accounts.caseMapping.lowercased(result.nick)
            for ticket in session.accountWaiters.removeValue(forKey: key) ?? [] { answerLookup(ticket, result.knowledge) }
        }
        execute(machine.handle(.received(message)), session: session)
        switch message.command {
        case "005":
            session.accounts.caseMapping = machine.support.caseMapping
        case "353", "366":
            namesReceived(message)
        case "PRIVMSG", "NOTICE":
            chat(message, session: session)
        default:
            break
        }
    }

    /// Runs what the session state machine decided. `session` is nil while disconnected:
    /// the machine sends nothing and runs no timer then.
    private func execute(_ actions: [SessionAction], session: Session?) {
        for action in actions {
            switch action {
            case .send(let message):
                guard let session else { continue }
                enqueueUnawaited([message.serialized()], lane: .control, session: session)
            case .startTimer(let timer, let delay):
                guard let session else { continue }
                session.timers.removeValue(forKey: timer)?.task.cancel()
                let serial = nextTimerSerial
                nextTimerSerial += 1
                let id = session.id
                session.timers[timer] = RunningTimer(serial: serial, task: Task {
                    try? await Task.sleep(for: delay)
                    if !Task.isCancelled { self.sessionTimerFired(timer, serial: serial, sessionID: id) }
                })
            case .cancelTimer(let timer):
                session?.timers.removeValue(forKey: timer)?.task.cancel()
            case .emit(let change):
                switch change {
                case .joined(let channel): eventSink.yield(.joined(channel: channel))
                case .parted(let channel): eventSink.yield(.parted(channel: channel))
                case .kicked(let channel, let kicker, let reason): eventSink.yield(.kicked(channel: channel, by: kicker, reason: reason))
                case .nickChanged(let nick): eventSink.yield(.nickChanged(nick))
                case .invited(let channel, let inviter, let account): eventSink.yield(.invited(channel: channel, by: inviter, account: account))
                }
            case .log(let level, let text):
                logger.log(level: level.loggerLevel, "\(text)")
            }
        }
    }

    private func sessionTimerFired(_ timer: SessionTimer, serial: Int, sessionID: Int) {
        // Only the timer that is still current: a replaced or cancelled one may wake late.
        guard let session, session.id == sessionID, session.timers[timer]?.serial == serial else { return }
        session.timers[timer] = nil
        execute(machine.handle(.timerFired(timer)), session: session)
    }

    /// Whether the nick regain timer runs (for tests).
    var isRegainingNick: Bool { machine.isRegainingNick }

    /// Session timers running now (for tests: they must not pile up).
    var runningTimerCount: Int { session?.timers.count ?? 0 }

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
        guard !machine.same(sender.nick, machine.nick) else { return }
        var channel: String?
        let support = machine.support
        let statusPrefixes = support.value("STATUSMSG") ?? "@+"
        if support.isChannel(target) {
            channel = target
        } else if let first = target.first, statusPrefixes.contains(first), support.isChannel(String(target.dropFirst())) {
            // STATUSMSG (`@#chan`): still a channel message.
            channel = String(target.dropFirst())
        }
        let kind: IRCChatMessage.Kind = message.command == "NOTICE" ? .notice : .privmsg
        let knowledge = session.accounts.verifiedKnowledge(of: sender.nick, tag: message.tag("account"))
        var account: String?
        switch knowledge {
        case .loggedIn(let name): account = name
        case .loggedOut: account = nil
        case nil:
            // Nothing current to go on: no account (task ownership falls back to the nick, as
            // before); the bridge looks it up where a permission depends on it.
            account = nil
        }
        publishChat(IRCChatMessage(
            network: configuration.name, kind: kind, sender: sender, target: target, channel: channel,
            text: text, account: account, tags: message.tags, accountVerified: knowledge != nil,
            caseMapping: support.caseMapping, ownNick: machine.nick
        ))
    }

    /// Chat goes out unless the consumer of `events` is `eventBacklogLimit` events behind;
    /// then it is dropped and counted, with one log line per lag and a `.chatDropped` once the
    /// consumer caught up. Chat only: losing a JOIN or a disconnect would break the consumer.
    private func publishChat(_ message: IRCChatMessage) {
        guard eventSink.backlog.admitChat() else {
            if droppingChat == 0 {
                logger.warning("events are \(eventSink.backlog.count) behind: dropping chat messages until the consumer catches up")
            }
            droppingChat += 1
            return
        }
        reportDroppedChat()
        eventSink.yield(.message(message))
    }

    private func reportDroppedChat() {
        guard droppingChat > 0 else { return }
        logger.warning("events caught up; \(droppingChat) chat messages were dropped")
        eventSink.yield(.chatDropped(count: droppingChat))
        droppingChat = 0
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
        let splitter = LineSplitter(sender: machine.sender, lineLength: machine.support.lineLength)
        let command = kind == .notice ? "NOTICE" : "PRIVMSG"
        return splitter.split(text, command: command, target: target).map { $0.serialized() }
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
            guard session.registration.isRegistered, let next = session.queue.next(chatHeld: session.chatHeldFor != nil) else {
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
            guard let (entry, completed) = session.queue.popNext(chatHeld: session.chatHeldFor != nil) else { continue }
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
    // The connection's nick, 005 and mask, from the session state machine.
    private func nick(of session: Session) -> String { machine.nick }
    private func support(of session: Session) -> ISupport { machine.support }
    private func sender(of session: Session) -> Source { machine.sender }

    /// Whether `shutdown` has begun (for tests).
    var isShuttingDown: Bool { stopping }

    /// `deliver` calls waiting for the server, and how many of those were withdrawn (for tests).
    var pendingDeliveries: (waiting: Int, withdrawn: Int) {
        (session?.deliveries.count ?? 0, session?.deliveries.values.count(where: \.isWithdrawn) ?? 0)
    }

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
        if let ticket = entry.ticket, let delivery = session.holdingTickets.removeValue(forKey: ticket) {
            session.chatHeldFor = delivery
        }
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
                    releaseChat(for: piece.delivery, session: session)
                    pending.continuation.resume(returning: .confirmed)
                } else if pending.isWithdrawn {
                    session.deliveries[piece.delivery] = nil
                    session.confirmations.forget(delivery: piece.delivery)
                    releaseChat(for: piece.delivery, session: session)
                    pending.continuation.resume(returning: .interrupted(confirmedOffset: pending.confirmedOffset))
                } else if piece.index == pending.current {
                    // The next piece only now: nothing of the line is written after a refusal.
                    pending.current += 1
                    queueCurrentPiece(of: &pending, delivery: piece.delivery, session: session)
                    session.deliveries[piece.delivery] = pending
                } else {
                    session.deliveries[piece.delivery] = pending
                }
            case .refused(let piece, let refusal):
                guard let pending = session.deliveries.removeValue(forKey: piece.delivery) else { continue }
                releaseChat(for: piece.delivery, session: session)
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

// MARK: - STS and channel standing

extension IRCConnection {
    /// Where the next connection goes: as configured, or TLS because STS says so. Nil: the
    /// stored policy cannot be read and a password would go out in clear — a policy exists to
    /// stop exactly that (a stripping attacker), so an unreadable one fails closed. Without
    /// credentials there is nothing to protect and plain text goes ahead.
    private func plannedEndpoint() async -> STSEndpoint? {
        var stored: StoredSTSPolicy?
        if !configuration.tls, stsUpgradePort == nil, let stsPolicies {
            do {
                stored = try await stsPolicies.stsPolicy(host: StoredSTSPolicy.key(configuration.host))
            } catch {
                let credentials = configuration.password != nil || configuration.sasl != nil || configuration.nickservPassword != nil
                let consequence = credentials ? "; not connecting in plain text with credentials, trying again later" : ""
                logger.error("cannot read the STS policy for \(configuration.host): \(error)\(consequence)")
                if credentials { return nil }
            }
        }
        let endpoint = STSEndpoint.decide(configuredTLS: configuration.tls, configuredPort: configuration.port,
                                          upgradedPort: stsUpgradePort, stored: stored, now: wallClock())
        if case .storedPolicy(let expiresAt) = endpoint.reason {
            logger.notice("STS policy for \(configuration.host) (until \(expiresAt.formatted(Date.ISO8601FormatStyle()))): TLS on port \(endpoint.port) instead of plain text")
        } else if !endpoint.tls, !warnedPlainText {
            warnedPlainText = true
            logger.warning("TLS is off for \(configuration.host):\(configuration.port): everything, passwords included, travels in clear text")
        }
        return endpoint
    }

    private func rememberSTS(duration: Int, preload: Bool, port: Int) {
        let policy = StoredSTSPolicy(host: configuration.host, port: port, duration: duration, preload: preload, seenAt: wallClock())
        writeSTS("store the STS policy") { try await $0.rememberSTSPolicy(policy) }
    }

    private func writeSTS(_ what: String, _ operation: @escaping @Sendable (any STSPolicyStore) async throws -> Void) {
        guard let stsPolicies else { return }
        let previous = stsWrites
        let logger = self.logger
        let host = configuration.host
        stsWrites = Task {
            await previous?.value
            do {
                try await operation(stsPolicies)
            } catch {
                logger.error("cannot \(what) for \(host): \(error)")
            }
        }
    }

    /// Returns once every STS policy write so far reached the store (tests).
    func stsWritesSettled() async {
        await stsWrites?.value
    }

    /// Where `nick` stands in `channel` as `NAMES` shows it now (operator, member, absent, or
    /// hidden for a secret channel seen from outside); nil without an answer within `timeout`,
    /// or when not registered.
    public func channelStanding(of nick: String, in channel: String, timeout: Duration = .seconds(10)) async -> ChannelMembers.Standing? {
        guard let session, session.registration.isRegistered, !stopping, Self.isUsableTarget(channel),
              machine.support.isChannel(channel) else { return nil }
        let ticket = nextTicket
        nextTicket += 1
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.answerNames(ticket, nil)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            namesQueries[ticket] = NamesQuery(members: ChannelMembers(channel: channel), nick: nick, continuation: continuation)
            enqueueUnawaited([Message("NAMES", channel).serialized()], lane: .control, session: session)
        }
    }

    private func namesReceived(_ message: Message) {
        let support = machine.support
        for ticket in namesQueries.keys.sorted() {
            guard var query = namesQueries[ticket], query.members.handle(message, caseMapping: support.caseMapping) else { continue }
            namesQueries[ticket] = query
            if query.members.isComplete { answerNames(ticket, query.members.standing(of: query.nick, support: support)) }
        }
    }

    private func answerNames(_ ticket: Int, _ standing: ChannelMembers.Standing?) {
        namesQueries.removeValue(forKey: ticket)?.continuation.resume(returning: standing)
    }
}

/// One `channelStanding` call waiting for its NAMES answer.
struct NamesQuery {
    var members: ChannelMembers
    let nick: String
    let continuation: CheckedContinuation<ChannelMembers.Standing?, Never>
}
