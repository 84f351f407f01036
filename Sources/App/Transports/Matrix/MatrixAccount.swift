import Bridge
import Foundation
import Logging
import Matrix
import Store

/// One `[[matrix]]` account: logs in (or uses the configured token), follows `/sync`, hands the
/// commands it hears to the bridge and sends what the bridge says. An actor: the rooms it is
/// in and the sync position are its own state; the network I/O is `MatrixClient`'s.
///
/// Exactly once on the way in: the `since` token is stored only after every command of its
/// batch was handled, and each command event is claimed in the store (keyed by event id)
/// before it is run, so a batch read again after a crash runs none of its commands twice
/// (a crash in the middle of one command loses that command's answer, never repeats it; a
/// submission it made is covered by its intent row). On the way out: one event per outbox
/// line, its transaction id derived from the line, so a resend creates no second event.
public actor MatrixAccount {
    public nonisolated let settings: MatrixSettings
    public nonisolated let client: MatrixClient
    let store: any BotStore
    let logger: Logger
    let retry: MatrixRetryPolicy
    let syncTimeout: Duration
    /// Where result images come from (nil: results are posted as their link line only).
    let resultImages: MatrixResultImages?
    /// Sync failures, sends, uploads and rate limits for `/metrics` (nil: not counted).
    let metrics: BotMetrics?
    /// The time of `status` (last sync, backing off since).
    let now: @Sendable () -> Date

    /// Rooms the bot is joined to, as the last batch said.
    private var joined: Set<String> = []
    /// Configured or joined from chat: lines for them wait while the bot is not in.
    private var wanted: Set<String> = []
    /// Alias → room id, for `!part #alias:server`.
    private var aliases: [String: String] = [:]
    /// Rooms with encryption on: their messages cannot be read (no E2EE).
    private var encrypted: Set<String> = []
    private var displayNames: [String: [String: String]] = [:]
    /// True once the start is done (logged in, rooms joined): before it, nothing is known about
    /// rooms, so lines wait, and joins and parts go to `deferred`.
    private var synced = false
    /// Joins (true) and parts asked for before the account was logged in and synced — the
    /// bridge restores the rooms joined or left from chat at its own start (oldest decision
    /// first), when a password account has no token yet: settled per room by `joinRoomsAtStart`.
    private var deferred: [(room: String, join: Bool)] = []
    /// On the very first start: messages sent before it (ms since 1970, the server's clock) are
    /// history. The first sync alone does not say so reliably: Synapse answers an identical
    /// request from its response cache for a while (`sync_response_cache_duration`), so a
    /// token that another client of the same device had just used could come back stale, and
    /// the next sync would then replay the backlog (seen in the tests).
    private var historyBefore: Int64?
    /// Where the sync loop stands, as it last said (see `currentStatus` for `/health` and `/metrics`).
    public private(set) var status = MatrixAccountStatus()
    /// Where the sync loop stands now: `stalled` when it has not moved on for longer than
    /// `stallBound`, for `/health` and `/metrics`.
    public var currentStatus: MatrixAccountStatus { status.asOf(now(), stalledAfter: stallBound) }
    /// How long a syncing loop may go without completing a batch: one long poll (`syncTimeout`)
    /// plus the next request's own deadline (`syncTimeout` + 30 s) plus 60 s to handle a batch;
    /// 150 s with the default 30 s long poll. A slower loop hears no commands meanwhile.
    nonisolated var stallBound: TimeInterval {
        let poll = Double(syncTimeout.components.seconds) + Double(syncTimeout.components.attoseconds) / 1e18
        return 2 * poll + 90
    }
    /// Why the account stopped (token rejected, forbidden, wrong user); nil while it runs.
    public var stopReason: String? { status.stopReason }

    public init(settings: MatrixSettings, store: any BotStore, logger: Logger,
                client: MatrixClient? = nil, retry: MatrixRetryPolicy = MatrixRetryPolicy(), syncTimeout: Duration = .seconds(30),
                resultImages: MatrixResultImages? = nil, metrics: BotMetrics? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.resultImages = resultImages
        self.metrics = metrics
        self.now = now
        self.settings = settings
        self.client = client ?? MatrixClient(homeserver: settings.homeserver, accessToken: settings.accessToken?.value,
                                             logger: logger)
        self.store = store
        self.logger = logger
        self.retry = retry
        self.syncTimeout = syncTimeout
    }

    var name: String { settings.name }

    // MARK: The sync loop

    /// Runs until cancelled or stopped (see `stopReason`).
    public func run(into bridge: ChatBridge) async {
        // A loop that ended (several processes: this one lost the account) is not shown as
        // syncing by `/health` or `mjbridge_matrix_connected`, which would count the account
        // connected in two processes.
        if stopReason == nil { status = MatrixAccountStatus(lastSyncAt: status.lastSyncAt) }
        defer { if stopReason == nil { status = MatrixAccountStatus(lastSyncAt: status.lastSyncAt) } }
        guard await authenticate() else { return }
        let stored: MatrixSession?
        do {
            stored = try await store.matrixSession(account: name)
        } catch {
            return stop("cannot read its sync position from the store: \(error)")
        }
        var since = stored?.since
        // Claims only matter for a batch read again after a crash, never weeks old.
        _ = try? await store.pruneMatrixEvents(before: Date().addingTimeInterval(-7 * 24 * 3600))
        if since == nil {
            // The very first start: the backlog is history, not commands. One immediate sync
            // learns the rooms; its position is stored without running anything.
            historyBefore = Int64(Date().timeIntervalSince1970 * 1000)
            let (client, userID) = (self.client, settings.userID)
            guard let batch = await retrying("initial sync", { () async throws(MatrixClientError) -> SyncBatch in
                try await client.sync(since: nil, timeout: .zero, ownUserID: userID)
            }) else { return }
            await apply(batch, bridge: bridge, runCommands: false)
            do {
                try await store.commitMatrixSince(account: name, since: batch.nextBatch)
            } catch {
                return stop("cannot store its sync position: \(error)")
            }
            status.synced(at: now(), live: false)
            since = batch.nextBatch
            logger.info("first start on this account: the rooms' history is skipped", metadata: ["account": "\(name)"])
        }
        await joinRoomsAtStart()
        status.hearing(at: now())
        // Lines owed here (from before a restart) go out now.
        await bridge.registered(network: name)
        while !Task.isCancelled && stopReason == nil {
            let (client, userID, timeout, position) = (self.client, settings.userID, syncTimeout, since)
            // Only a completed batch counts as synced (`status.synced` below): an answered
            // request whose batch cannot be stored leaves the account backing off.
            guard let batch = await retrying("sync", recovers: false, { () async throws(MatrixClientError) -> SyncBatch in
                try await client.sync(since: position, timeout: timeout, ownUserID: userID)
            }) else { return }
            guard await apply(batch, bridge: bridge, runCommands: true) else {
                // A command could not be claimed (store failure): the batch is read again.
                status.failed("cannot claim a command in the store; the batch is read again", at: now())
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            do {
                try await store.commitMatrixSince(account: name, since: batch.nextBatch)
                since = batch.nextBatch
            } catch {
                // A shutdown cancelled the write: the next start reads the batch again, harmlessly.
                if Task.isCancelled { return }
                logger.error("cannot store the sync position; the batch is read again (its commands are not re-run)",
                             metadata: ["account": "\(name)", "error": "\(error)"])
                status.failed("cannot store the sync position; the batch is read again", at: now())
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            status.synced(at: now(), live: true)
            // Lines interrupted or held for a room are tried again (a signal; the worker decides).
            await bridge.registered(network: name)
        }
    }

    /// Before a run on a process that takes the account over (several processes on one
    /// database; it may have held it before): the account as a fresh process has it. Nothing is
    /// known about its rooms until it is logged in and synced (lines wait, joins and parts are
    /// deferred to the start), and what was asked before is dropped: the caller restores the
    /// rooms joined and left from chat as the database has them now.
    func startAfresh() {
        synced = false
        deferred = []
        joined = []
        wanted = []
        historyBefore = nil
    }

    /// The configured access token, else the stored login, else a password login (as the
    /// stored device when there is one). The homeserver must confirm `user_id`.
    private func authenticate() async -> Bool {
        let session: MatrixSession?
        do {
            session = try await store.matrixSession(account: name)
        } catch {
            stop("cannot read its login from the store: \(error)")
            return false
        }
        if settings.accessToken == nil {
            if let token = session?.accessToken {
                await client.setAccessToken(token)
            } else if !(await login(deviceID: session?.deviceID)) {
                return false
            }
        }
        var identity: AccountIdentity
        do {
            identity = try await client.whoAmI()
        } catch {
            if case .server(let response) = error, response.isTokenRejected, settings.accessToken == nil {
                // The stored token was logged out: log in again as the same device.
                guard await login(deviceID: session?.deviceID) else { return false }
            }
            let client = self.client
            guard let again = await retrying("whoami", { () async throws(MatrixClientError) -> AccountIdentity in
                try await client.whoAmI()
            }) else { return false }
            identity = again
        }
        guard identity.userID == settings.userID else {
            stop("the homeserver says this token belongs to \(identity.userID), not user_id \(settings.userID)")
            return false
        }
        logger.info("logged in to Matrix", metadata: ["account": "\(name)", "user": "\(identity.userID)",
                                                       "device": "\(identity.deviceID ?? "-")"])
        return true
    }

    private func login(deviceID: String?) async -> Bool {
        guard let password = settings.password?.value else {
            stop("no access_token and no password to log in with")
            return false
        }
        let (client, userID) = (self.client, settings.userID)
        guard let session = await retrying("login", { () async throws(MatrixClientError) -> LoginSession in
            try await client.login(user: userID, password: password, deviceID: deviceID)
        }) else { return false }
        do {
            try await store.saveMatrixLogin(account: name, userID: session.userID, deviceID: session.deviceID,
                                            accessToken: session.accessToken)
        } catch {
            // Works for this run; the next start logs in again (as a new device).
            logger.error("cannot keep the Matrix login in the store", metadata: ["account": "\(name)", "error": "\(error)"])
        }
        return true
    }

    /// The configured rooms, then what was asked before the start (see `deferred`), until the
    /// queue is empty; then `synced`, with no suspension between the last look at the queue and
    /// that, so a join or part asked meanwhile is never left behind in it. Decisions are settled
    /// per room id (an alias row of an older database and the room id row are one room): the
    /// newest wins, and a configured room the owners left from chat is not joined only to be
    /// left again.
    private func joinRoomsAtStart() async {
        var asked = Self.settled(await resolved(takeDeferred()))
        await joinConfiguredRooms(except: Set(asked.filter { !$0.join }.map(\.room)))
        while true {
            await runJoinsAndParts(asked)
            if deferred.isEmpty { break }
            asked = Self.settled(await resolved(takeDeferred()))
        }
        synced = true
    }

    private func takeDeferred() -> [(room: String, join: Bool)] {
        defer { deferred = [] }
        return deferred
    }

    /// Each entry's room as its room id (an alias nobody can resolve stays as given).
    private func resolved(_ asked: [(room: String, join: Bool)]) async -> [(room: String, join: Bool)] {
        var rooms: [(room: String, join: Bool)] = []
        for (room, join) in asked { rooms.append((await canonicalRoom(room), join)) }
        return rooms
    }

    /// The last decision per room, in the order the rooms first appear (pure).
    static func settled(_ asked: [(room: String, join: Bool)]) -> [(room: String, join: Bool)] {
        var order: [String] = []
        var last: [String: Bool] = [:]
        for (room, join) in asked {
            if last.updateValue(join, forKey: room) == nil { order.append(room) }
        }
        return order.map { ($0, last[$0]!) }
    }

    private func joinConfiguredRooms(except parted: Set<String>) async {
        for room in settings.rooms {
            if !parted.isEmpty, parted.contains(await canonicalRoom(room)) {
                logger.info("not joining a configured room the owners left from chat",
                            metadata: ["account": "\(name)", "room": "\(room)"])
                continue
            }
            do {
                let roomID = try await client.join(room)
                wanted.insert(roomID)
                joined.insert(roomID)
                if room != roomID { aliases[room] = roomID }
            } catch {
                logger.warning("cannot join a configured room", metadata: ["account": "\(name)", "room": "\(room)", "error": "\(error)"])
            }
        }
    }

    /// What was asked before the start (see `deferred`); a failure is logged as for configured rooms.
    private func runJoinsAndParts(_ asked: [(room: String, join: Bool)]) async {
        for (room, join) in asked {
            // Joined a moment ago as a configured room.
            if join && joined.contains(room) { continue }
            do {
                if join { try await joinNow(room) } else { try await partNow(room) }
            } catch {
                logger.warning("cannot \(join ? "join" : "leave") a room joined or left from chat",
                               metadata: ["account": "\(name)", "room": "\(room)", "error": "\(error)"])
            }
        }
    }

    /// Learns rooms, names and encryption from the batch; with `runCommands`, hands each
    /// message `MessageTriage` lets through to the bridge, in order. False when a command
    /// could not be claimed (the store failed): the caller must not store the position.
    @discardableResult
    private func apply(_ batch: SyncBatch, bridge: ChatBridge, runCommands: Bool) async -> Bool {
        var newlyJoined: [String] = []
        for room in batch.joinedRooms {
            if joined.insert(room.roomID).inserted { newlyJoined.append(room.roomID) }
            if room.isEncrypted, encrypted.insert(room.roomID).inserted {
                logger.notice("an encrypted room: its messages cannot be read (no end-to-end encryption support)",
                              metadata: ["account": "\(name)", "room": "\(room.roomID)"])
                await sayOnceItIsEncrypted(room.roomID)
            }
            displayNames[room.roomID, default: [:]].merge(room.displayNames) { $1 }
            for change in room.membershipChanges where change.userID == settings.userID {
                if change.membership == "join" { joined.insert(room.roomID) } else { joined.remove(room.roomID) }
            }
        }
        for roomID in batch.leftRooms { joined.remove(roomID) }
        // Invitations are state, not history: those pending at the first start are answered too.
        for invite in batch.invites { await answer(invite, bridge: bridge) }
        if synced {
            for roomID in newlyJoined where joined.contains(roomID) { await bridge.joined(network: name, channel: roomID) }
        }
        guard runCommands else { return true }
        let botName = MatrixChatEvent.localpart(of: settings.userID)
        var commands: [ChatEvent] = []
        for room in batch.joinedRooms {
            for message in room.messages {
                guard case .consider = MessageTriage.verdict(for: message, ownUserID: settings.userID,
                                                             roomIsEncrypted: encrypted.contains(room.roomID)) else { continue }
                if let historyBefore, message.originServerTS < historyBefore { continue }
                metrics?.chatMessage(network: name)
                let event = MatrixChatEvent.make(message, network: name, displayName: displayNames[room.roomID]?[message.sender],
                                                 botName: botName)
                guard bridge.mayBeCommand(event) else { continue }
                do {
                    guard try await store.claimMatrixEvent(message.eventID, account: name, at: Date()) else {
                        logger.debug("a command already handled before a restart", metadata: ["event": "\(message.eventID)"])
                        continue
                    }
                } catch {
                    logger.error("cannot claim a command event", metadata: ["account": "\(name)", "error": "\(error)"])
                    await Self.handle(commands, bridge: bridge)
                    return false
                }
                commands.append(event)
            }
        }
        await Self.handle(commands, bridge: bridge)
        return true
    }

    /// Follows an invitation (join) when `invites` allows it from this inviter, else declines
    /// it (leave); either way logged and audited. A followed one is kept like `!join`.
    private func answer(_ invite: RoomInvite, bridge: ChatBridge) async {
        let inviter = invite.inviter.map { ChatText.untrusted($0) } ?? "someone unknown"
        let metadata: Logger.Metadata = ["account": "\(name)", "room": "\(invite.roomID)", "inviter": "\(inviter)"]
        let isOwner = bridge.live.current.isOwner(account: invite.inviter)
        guard settings.invites.accepts(inviter: invite.inviter, inviterIsOwner: isOwner) else {
            let outcome = settings.invites == .none ? "refused: invites = none" : "refused: not an owner"
            do {
                try await client.leave(invite.roomID)
                logger.notice("declined an invitation (\(outcome))", metadata: metadata)
            } catch {
                logger.warning("cannot decline an invitation", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
            return await bridge.invitationHandled(network: name, room: invite.roomID, inviter: invite.inviter,
                                                  joined: false, outcome: outcome)
        }
        let roomID: String
        do {
            roomID = try await client.join(invite.roomID)
        } catch {
            logger.warning("cannot join a room on invitation", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return await bridge.invitationHandled(network: name, room: invite.roomID, inviter: invite.inviter,
                                                  joined: false, outcome: "failed: \(error)")
        }
        wanted.insert(roomID)
        joined.insert(roomID)
        logger.notice("joined a room on invitation", metadata: metadata)
        await bridge.invitationHandled(network: name, room: roomID, inviter: invite.inviter, joined: true, outcome: "ok: joined")
        if invite.isEncrypted {
            encrypted.insert(roomID)
            await sayOnceItIsEncrypted(roomID)
        }
    }

    /// One notice per encrypted room, ever: the store remembers that it was said (before it
    /// is sent: at most once; a failed send is only logged).
    private func sayOnceItIsEncrypted(_ roomID: String) async {
        do {
            guard try await store.claimMatrixEncryptionNotice(account: name, roomID: roomID, at: Date()) else { return }
        } catch {
            return logger.error("cannot note the encrypted-room notice", metadata: ["account": "\(name)", "error": "\(error)"])
        }
        let text = "I cannot read this room: it is end-to-end encrypted, and I do not support encryption. "
            + "Commands here go unseen; use me in an unencrypted room."
        do {
            try await send(OutgoingChat(network: name, target: roomID, text: text, style: .notice))
            logger.notice("told an encrypted room that the bot cannot read it", metadata: ["account": "\(name)", "room": "\(roomID)"])
        } catch {
            logger.warning("cannot tell an encrypted room that the bot cannot read it",
                           metadata: ["account": "\(name)", "room": "\(roomID)", "error": "\(error)"])
        }
    }

    /// Commands that wait on the proxy or a download run side by side (as on IRC), bounded;
    /// all of them are handled before the batch's position is stored.
    private static func handle(_ commands: [ChatEvent], bridge: ChatBridge) async {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for event in commands {
                if running >= IRCTransport.commandsInFlight {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask { await bridge.handle(event) }
            }
        }
    }

    /// `body` until it succeeds, waiting as `MatrixRetryPolicy` says (backoff with jitter,
    /// `M_LIMIT_EXCEEDED` waited out); nil when cancelled or stopped.
    /// `recovers: false` leaves a backing-off status as it is after a success (the caller says
    /// when the step is really done).
    private func retrying<T: Sendable>(_ what: String, recovers: Bool = true,
                                       _ body: @Sendable () async throws(MatrixClientError) -> T) async -> T? {
        var attempt = 0
        var loggedInAgain = false
        while !Task.isCancelled {
            do {
                let result = try await body()
                if recovers { status.recovered(live: synced) }
                return result
            } catch {
                attempt += 1
                var limited = false
                if case .server(let response) = error, response.isRateLimited { limited = true }
                if error != .cancelled { metrics?.matrixSyncFailed(account: name, rateLimited: limited) }
                switch retry.decision(for: error, attempt: attempt, jitter: Double.random(in: 0...1)) {
                case .retry(let wait):
                    status.failed(error.description, at: now())
                    logger.log(level: attempt == 1 || limited ? .warning : .debug,
                               "\(limited ? "rate limited by the homeserver, waiting" : "Matrix request failed, retrying")",
                               metadata: ["account": "\(name)", "request": "\(what)", "wait": "\(wait)", "error": "\(error)"])
                    do { try await Task.sleep(for: wait) } catch { return nil }
                case .stop(.cancelled):
                    return nil
                case .stop(.tokenRejected(_)):
                    // A password account logged out (soft logout, or the token revoked): log in
                    // again as the same device, once per failing request; a new password needs the operator.
                    if !loggedInAgain, what != "login", settings.accessToken == nil, settings.password != nil {
                        loggedInAgain = true
                        logger.warning("the homeserver logged the bot out; logging in again with the password",
                                       metadata: ["account": "\(name)", "request": "\(what)"])
                        let deviceID = (try? await store.matrixSession(account: name))?.deviceID
                        guard await login(deviceID: deviceID) else { return nil }
                        continue
                    }
                    stop("the homeserver rejected the access token (M_UNKNOWN_TOKEN): set a new access_token or password and restart")
                    return nil
                case .stop(.forbidden(let why)):
                    stop("the homeserver refused the bot (M_FORBIDDEN: \(ChatText.untrusted(why)))")
                    return nil
                case .stop(.rejected(let why)):
                    stop("the homeserver refused \(what): \(ChatText.untrusted(why))")
                    return nil
                }
            }
        }
        return nil
    }

    /// One clear line; the account stays stopped (the others go on).
    private func stop(_ reason: String) {
        guard stopReason == nil else { return }
        status.stopped(reason)
        logger.critical("Matrix account stopped: \(reason)", metadata: ["account": "\(name)"])
    }

    // MARK: Sending

    /// An immediate answer: a notice replying to the command's event (random transaction id:
    /// not owed, a lost answer can be asked for again). `M_LIMIT_EXCEEDED` is waited out, with
    /// the same transaction id, at most `rateLimitedSendAttempts` times: the sync loop sends
    /// some of these itself, and must not be parked by a server that keeps saying "later".
    func send(_ line: OutgoingChat) async throws {
        guard Self.isRoomID(line.target) else {
            metrics?.matrixSend(account: name, sent: false)
            throw MatrixTransportError.notARoom(line.target)
        }
        let txnID = "r" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let content = Self.content(for: line)
        var limited = 0
        while true {
            do {
                _ = try await client.send(roomID: line.target, transactionID: txnID, content: content)
                metrics?.matrixSend(account: name, sent: true)
                return
            } catch {
                guard case .wait(let duration) = Self.report(for: error), limited < Self.rateLimitedSendAttempts else {
                    metrics?.matrixSend(account: name, sent: false)
                    throw MatrixTransportError.sendFailed(error.description)
                }
                limited += 1
                metrics?.matrixRateLimited(account: name)
                try await Task.sleep(for: duration)
            }
        }
    }

    /// How often an answer waits out `M_LIMIT_EXCEEDED` before it is given up (each wait at most 60 s).
    static let rateLimitedSendAttempts = 3

    /// Matrix sends only to rooms, by id (`TaskRoute.isMatrixRoomID`: `!opaque:server`, or the
    /// room version 12 shape; the same rule routes are adopted by after a crash). A line for
    /// anything else (a display name where IRC would have a nick) has no place to go: refused
    /// here rather than handed to the homeserver.
    static func isRoomID(_ target: String) -> Bool {
        TaskRoute.isMatrixRoomID(target)
    }

    /// An owed line: one event, its transaction id derived from the line, so a resend after a
    /// crash or a timeout returns the first event instead of creating a second one. A result
    /// line with an image is two events: the uploaded image (part 0), then the notice (part 1);
    /// a resend repeats both ids, so neither appears twice (the upload itself is repeated:
    /// harmless, an orphaned copy). An upload that fails leaves the notice with its link.
    func deliver(_ line: OutgoingChat, from offset: Int) async -> DeliveryReport {
        // One event per line: an offset past 0 was recorded after the event was sent.
        guard offset == 0 else { return .confirmed }
        guard Self.isRoomID(line.target) else {
            metrics?.matrixSend(account: name, sent: false)
            return .refused(DeliveryRefusal(.invalidTarget, reason: MatrixTransportError.notARoom(line.target).description),
                            confirmedOffset: 0)
        }
        guard let lineID = line.outboxLineID else {
            do { try await send(line); return .confirmed } catch { return .interrupted(confirmedOffset: 0) }
        }
        var noticePart = 0
        if let resultImages, let task = await resultImages.resultTask(of: line) {
            noticePart = 1
            if let content = await imageContent(for: task, line: line, images: resultImages) {
                let txnID = TransactionID.forOutboxLine(id: lineID, target: line.target, text: line.text, part: 0)
                let report = await sendOwed(content, transactionID: txnID, line: line)
                guard report == .confirmed else { return report }
            }
        }
        let txnID = TransactionID.forOutboxLine(id: lineID, target: line.target, text: line.text, part: noticePart)
        return await sendOwed(Self.content(for: line), transactionID: txnID, line: line)
    }

    /// The `m.image` for a result, its file uploaded now; nil (post the link alone) when there
    /// are no bytes or the upload fails.
    private func imageContent(for task: TaskRecord, line: OutgoingChat, images: MatrixResultImages) async -> MatrixJSON? {
        guard let file = await images.file(for: task) else { return nil }
        do {
            let uri: MediaURI
            do {
                uri = try await client.upload(file.data, contentType: file.header.mimetype, filename: file.filename)
                metrics?.matrixUpload(account: name, ok: true)
            } catch {
                metrics?.matrixUpload(account: name, ok: false)
                throw error
            }
            let target = line.replyTo.map { MessageContent.ReplyTarget(eventID: $0.eventID, threadRoot: $0.threadRoot) }
            return MessageContent.image(uri, filename: file.filename, mimetype: file.header.mimetype, size: file.data.count,
                                        width: file.header.width, height: file.header.height, replyTo: target)
        } catch {
            logger.warning("cannot upload a result image; posting the link", metadata: ["account": "\(name)", "task": "\(task.id)",
                                                                                        "error": "\(error)"])
            return nil
        }
    }

    /// One owed event with its transaction id; `M_LIMIT_EXCEEDED` is waited out (the delivery
    /// worker's send timeout bounds this; the same txnId is safe to repeat).
    private func sendOwed(_ content: MatrixJSON, transactionID txnID: String, line: OutgoingChat) async -> DeliveryReport {
        while true {
            do {
                _ = try await client.send(roomID: line.target, transactionID: txnID, content: content)
                metrics?.matrixSend(account: name, sent: true)
                return .confirmed
            } catch {
                switch Self.report(for: error) {
                case .wait(let duration):
                    metrics?.matrixRateLimited(account: name)
                    do { try await Task.sleep(for: duration) } catch { return .interrupted(confirmedOffset: 0) }
                case .report(let report):
                    metrics?.matrixSend(account: name, sent: false)
                    if case .refused(let refusal, _) = report {
                        logger.warning("the homeserver refused a line", metadata: ["account": "\(name)", "room": "\(line.target)",
                                                                                   "reason": "\(refusal.reason)"])
                    }
                    return report
                }
            }
        }
    }

    enum SendOutcome: Equatable {
        case wait(Duration)
        case report(DeliveryReport)
    }

    /// What a failed send means for an owed line (pure).
    static func report(for error: MatrixClientError) -> SendOutcome {
        switch error {
        case .server(let response) where response.isRateLimited:
            return .wait(min(response.retryAfter ?? .seconds(5), .seconds(60)))
        case .server(let response) where !response.fromHomeserver:
            // Not the homeserver's word (a proxy's error page): tried again later, never refused.
            return .report(.interrupted(confirmedOffset: 0))
        case .server(let response) where response.isForbidden:
            // Not in the room, or not allowed to speak there: people change that; hold.
            return .report(.refused(DeliveryRefusal(.cannotSendToChannel, reason: response.description), confirmedOffset: 0))
        case .server(let response) where response.errcode == "M_NOT_FOUND" || response.status == 404:
            return .report(.refused(DeliveryRefusal(.noSuchTarget, reason: response.description), confirmedOffset: 0))
        case .server(let response) where response.errcode == "M_INVALID_PARAM" || response.errcode == "M_BAD_JSON":
            return .report(.refused(DeliveryRefusal(.invalidTarget, reason: response.description), confirmedOffset: 0))
        case .server(let response) where response.status >= 500 || response.isTokenRejected:
            return .report(.interrupted(confirmedOffset: 0))
        case .server(let response):
            return .report(.refused(DeliveryRefusal(.other, reason: response.description), confirmedOffset: 0))
        case .transport, .invalidResponse, .redirected, .cancelled:
            // May have arrived: the resend uses the same transaction id.
            return .report(.interrupted(confirmedOffset: 0))
        }
    }

    /// A notice (bots answer with notices), replying to the command's event in its thread and
    /// mentioning its sender, when the line carries that.
    static func content(for line: OutgoingChat) -> MatrixJSON {
        let target = line.replyTo.map { MessageContent.ReplyTarget(eventID: $0.eventID, threadRoot: $0.threadRoot) }
        return MessageContent.notice(line.text, replyTo: target, mentions: line.replyTo?.userID.map { [$0] } ?? [])
    }

    // MARK: Rooms

    func channelStatus(_ roomID: String) -> ChannelStatus {
        // Before the first batch nothing is known: wait rather than give up on a line.
        guard synced else { return .waiting }
        if joined.contains(roomID) { return .joined }
        return wanted.contains(roomID) ? .waiting : .notWanted
    }

    public func isJoined(_ roomID: String) -> Bool { joined.contains(aliases[roomID] ?? roomID) }

    /// Joins now, or after the start when the account is not logged in and synced yet.
    func join(_ room: String) async throws {
        guard synced else { return deferred.append((room, true)) }
        try await joinNow(room)
    }

    private func joinNow(_ room: String) async throws {
        do {
            let roomID = try await client.join(room)
            wanted.insert(roomID)
            joined.insert(roomID)
            if room != roomID { aliases[room] = roomID }
        } catch {
            throw ChatTransportError.refused(error.description)
        }
    }

    /// The room id `room` stands for: itself, or the room an alias points to now, asked of the
    /// homeserver each time (after a room upgrade the alias moves to the new room); when that
    /// cannot be asked, the room it was last seen to point to; an alias nobody can resolve
    /// stays as given.
    func canonicalRoom(_ room: String) async -> String {
        guard room.first == "#" else { return room }
        guard let roomID = try? await client.resolveAlias(room) else { return aliases[room] ?? room }
        aliases[room] = roomID
        return roomID
    }

    /// Leaves now, or after the start (see `join`).
    func part(_ room: String) async throws {
        guard synced else { return deferred.append((room, false)) }
        try await partNow(room)
    }

    private func partNow(_ room: String) async throws {
        // `POST /rooms/{roomId}/leave` takes no alias.
        let roomID = await canonicalRoom(room)
        do {
            try await client.leave(roomID)
        } catch {
            throw ChatTransportError.refused(error.description)
        }
        wanted.remove(roomID)
        joined.remove(roomID)
    }

    /// Started (logged in, rooms joined) and not stopped (for tests; `/health` reads `currentStatus`).
    public var isRunning: Bool { synced && stopReason == nil }
}

public enum MatrixTransportError: Error, CustomStringConvertible {
    case unknownAccount(String)
    case sendFailed(String)
    /// A line for something that is not a room id (see `MatrixAccount.isRoomID`).
    case notARoom(String)

    public var description: String {
        switch self {
        case .unknownAccount(let name): "no Matrix account named '\(name)' is configured"
        case .sendFailed(let why): why
        case .notARoom(let target): "'\(ChatText.untrusted(target))' is not a Matrix room id: a Matrix account sends only to rooms"
        }
    }
}
