import Foundation

/// The simulation core: tasks, accounts with their running slots and queues, callbacks and
/// image links. Time only moves through `advance(to:)`, so a manual clock makes every run exact;
/// the server's real-time driver simply calls `advance(to:)` with the wall clock.
actor SimulatedProxy {
    struct Account {
        let instanceId: String
        var running: [String] = []
        var queue: [String] = []
        var load: Int { running.count + queue.count }
    }

    let configuration: SimulatorConfiguration
    var flavor: SimulatorFlavor { configuration.flavor }
    private(set) var now: Int64
    private(set) var switches: SimulatorSwitches
    private(set) var stats = SimulatorStats()
    private var rng: SeededRandom
    private var tasks: [String: SimTask] = [:]
    private var order: [String] = []
    private var accounts: [Account]
    private var nextSeq = 0
    private var pendingFailures: [String] = []
    private var pendingImageUrls: [String] = []
    private var heldCallbacks: [String: [CallbackEnvelope]] = [:]
    private var images: [String: ImageContent] = [:]
    private var signer: LinkSigner
    private var baseURL = "http://127.0.0.1"
    private let callbacks: AsyncStream<CallbackEnvelope>.Continuation
    private(set) var emittedCallbacks = 0

    init(configuration: SimulatorConfiguration, startMillis: Int64,
         callbacks: AsyncStream<CallbackEnvelope>.Continuation) {
        self.configuration = configuration
        self.now = startMillis
        self.callbacks = callbacks
        var rng = SeededRandom(seed: configuration.seed)
        signer = LinkSigner(secret: rng.next())
        self.rng = rng
        accounts = (0..<configuration.accounts).map { Account(instanceId: String(1_118_138_338_562_560_102 + $0 * 7919)) }
        var s = SimulatorSwitches()
        s.remix = configuration.remix
        s.bannedWords = configuration.bannedWords
        s.singleImageLinks = configuration.singleImageLinks
        switches = s
    }

    func setBaseURL(_ url: String) {
        baseURL = configuration.publicBaseURL ?? url
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
    }

    // MARK: - Controls

    func update(_ body: @Sendable (inout SimulatorSwitches) -> Void) {
        let before = switches
        body(&switches)
        if before.stuckAtPercent != switches.stuckAtPercent {
            for id in accounts.flatMap(\.running) where tasks[id]?.parked == true {
                tasks[id]?.parked = false
                tasks[id]?.nextEventAt = now
            }
        }
        if before.callbackReorder && !switches.callbackReorder {
            let held = heldCallbacks.values.flatMap { $0 }
            heldCallbacks = [:]
            for envelope in held { emit(envelope) }
        }
    }

    func failNextTasks(_ count: Int, reason: String) {
        pendingFailures += Array(repeating: reason, count: max(0, count))
    }

    func replaceImageUrlOfNextTasks(_ count: Int, with url: String) {
        pendingImageUrls += Array(repeating: url, count: max(0, count))
    }

    /// Every image link handed out so far stops working (403), as when Discord's links expire.
    func expireImageLinks() {
        // Tasks keep their stored (now dead) URLs, as the real proxies do.
        signer.generation += 1
    }

    // MARK: - Time

    /// Runs every event due up to `target`, in time order (ties: submission order).
    func advance(to target: Int64) {
        guard !switches.outage else {
            now = max(now, target)
            return
        }
        while let (id, at) = nextDue(), at <= target {
            now = max(now, at)
            fire(id)
        }
        now = max(now, target)
    }

    /// Runs events until nothing is scheduled (stuck tasks stay stuck); returns the time reached.
    @discardableResult
    func runUntilIdle(limit: Int = 100_000) -> Int64 {
        var steps = 0
        while !switches.outage, let (id, at) = nextDue(), steps < limit {
            now = max(now, at)
            fire(id)
            steps += 1
        }
        return now
    }

    private func deadline(of task: SimTask) -> Int64? {
        guard let timeout = configuration.timing.executionTimeout, let since = task.runningSince else { return nil }
        return since + timeout.milliseconds
    }

    private func nextDue() -> (String, Int64)? {
        var best: (id: String, at: Int64, seq: Int)?
        for account in accounts {
            for id in account.running {
                guard let t = tasks[id] else { continue }
                let at = min(t.nextEventAt ?? .max, deadline(of: t) ?? .max)
                guard at != .max else { continue }
                if best == nil || at < best!.at || (at == best!.at && t.seq < best!.seq) { best = (id, at, t.seq) }
            }
        }
        return best.map { ($0.id, $0.at) }
    }

    private func fire(_ id: String) {
        guard var t = tasks[id] else { return }
        let timing = configuration.timing
        if let d = deadline(of: t), d <= (t.nextEventAt ?? .max) {
            let minutes = (timing.executionTimeout?.milliseconds ?? 0) / 60_000
            finish(&t, failure: flavor == .trueai ? "执行超时 \(minutes) 分钟" : "任务超时")
            return
        }
        let steps = timing.progressSteps
        switch t.phase {
        case 0:
            if let f = t.plannedFailure, f.atStart { return finish(&t, failure: f.reason) }
            t.status = .submitted
            t.progress = "0%"
            t.startTime = now
            t.phase = 1
            t.nextEventAt = now + timing.stepInterval.milliseconds
            if t.result != .describe && t.result != .shorten && t.finalPrompt == nil {
                t.finalPrompt = PromptText.finalPrompt(for: t.promptEn)
            }
            save(t, notify: true)
        case 1...steps.count:
            if let f = t.plannedFailure { return finish(&t, failure: f.reason) }
            let p = steps[t.phase - 1]
            if let stuck = switches.stuckAtPercent, p > stuck { return park(&t) }
            t.status = .inProgress
            t.progress = "\(p)%"
            if flavor == .novicezk, t.image != nil { t.imageUrl = link(for: t, preview: true) }
            t.phase += 1
            t.nextEventAt = now + timing.stepInterval.milliseconds
            save(t, notify: true)
        default:
            if let stuck = switches.stuckAtPercent, stuck < 100 { return park(&t) }
            if let f = t.plannedFailure { return finish(&t, failure: f.reason) }
            succeed(&t)
        }
    }

    /// Finishes a parked (stuck) task now with SUCCESS and its callback, whatever
    /// `stuckAtPercent` says; false when `id` is not a parked task. Lets a benchmark decide
    /// exactly when each completion happens.
    func completeParked(_ id: String) -> Bool {
        // Parked and still holding its running slot (a parked task can still time out).
        guard var t = tasks[id], t.parked, accounts[t.account].running.contains(id) else { return false }
        t.parked = false
        succeed(&t)
        return true
    }

    /// The parked tasks' ids and prompts, in submission order.
    func parkedTasks() -> [(id: String, prompt: String)] {
        accounts.flatMap(\.running).compactMap { tasks[$0] }.filter(\.parked)
            .sorted { $0.seq < $1.seq }.map { (id: $0.id, prompt: $0.prompt) }
    }

    private func park(_ t: inout SimTask) {
        t.parked = true
        t.nextEventAt = nil
        save(t, notify: false)
    }

    private func succeed(_ t: inout SimTask) {
        t.status = .success
        t.progress = "100%"
        t.finishTime = now
        t.nextEventAt = nil
        if t.image != nil { t.imageUrl = link(for: t, preview: false) }
        if let url = t.plannedImageUrl { t.imageUrl = url }
        // TA lists a grid's four images beside it when it may fill them (official CDN);
        // upscales and the rest return none.
        if flavor == .trueai, switches.singleImageLinks, t.result == .grid, case .grid(let colours)? = t.image {
            t.imageUrls = colours.indices.map { i in singleLinks(for: t, index: i + 1, colours: colours) }
        }
        let h = t.messageHash
        switch t.result {
        case .grid: t.buttons = ButtonCatalogue.grid(hash: h)
        case .upscaled: t.buttons = ButtonCatalogue.upscaled(hash: h, version: PromptText.version(of: t.promptEn))
        case .plainImage: t.buttons = []
        case .describe:
            t.buttons = ButtonCatalogue.describe()
            t.finalPrompt = PromptText.describeText(t.describePrompts ?? [])
        case .shorten:
            t.buttons = ButtonCatalogue.shorten()
            t.finalPrompt = PromptText.shortenText(t.prompt)
        }
        save(t, notify: true)
        release(t.id, from: t.account)
    }

    private func finish(_ t: inout SimTask, failure reason: String, status: SimStatus = .failure) {
        t.status = status
        t.progress = ""
        t.failReason = reason
        t.finishTime = now
        t.nextEventAt = nil
        if flavor == .novicezk { t.imageUrl = nil }
        save(t, notify: true)
        release(t.id, from: t.account)
    }

    /// Frees the task's running slot (or queue place) and starts the next queued task.
    private func release(_ id: String, from index: Int) {
        accounts[index].queue.removeAll { $0 == id }
        guard let slot = accounts[index].running.firstIndex(of: id) else { return }
        accounts[index].running.remove(at: slot)
        if !accounts[index].queue.isEmpty {
            start(accounts[index].queue.removeFirst(), on: index)
        }
    }

    private func start(_ id: String, on index: Int) {
        accounts[index].running.append(id)
        tasks[id]?.runningSince = now
        tasks[id]?.nextEventAt = now + configuration.timing.startDelay.milliseconds
    }

    // MARK: - Callbacks

    private func save(_ t: SimTask, notify: Bool) {
        var t = t
        if notify { notifyIfForward(&t) }
        tasks[t.id] = t
    }

    private func notifyIfForward(_ t: inout SimTask) {
        let hook = [t.notifyHook, configuration.globalNotifyHook].compactMap { $0 }
            .first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let url = hook else { return }
        let rank = t.rank(flavor: flavor)
        // TA drops equal-or-backwards callbacks, NZ only backwards ones; we only save forward
        // changes, so both guards pass, but keep them so a future edit cannot send backwards.
        guard flavor == .trueai ? rank > t.lastNotifiedRank : rank >= t.lastNotifiedRank else { return }
        t.lastNotifiedRank = rank
        let envelope = CallbackEnvelope(url: url, body: t.json(flavor: flavor, instanceId: instanceId(t)).serialized(),
                                        taskId: t.id, status: t.status.rawValue, delay: switches.callbackDelay)
        stats.callbacksQueued += 1
        if rng.chance(switches.callbackDropFraction) {
            stats.callbacksDropped += 1
            return
        }
        var copies = [envelope]
        if rng.chance(switches.callbackDuplicateFraction) {
            copies.append(envelope)
            stats.callbacksDuplicated += 1
        }
        guard switches.callbackReorder else { return copies.forEach(emit) }
        if let held = heldCallbacks.removeValue(forKey: t.id) {
            copies.forEach(emit)
            held.forEach(emit)
        } else if t.status.isTerminal {
            copies.forEach(emit)
        } else {
            heldCallbacks[t.id] = copies
        }
    }

    private func emit(_ envelope: CallbackEnvelope) {
        emittedCallbacks += 1
        callbacks.yield(envelope)
    }

    func finishCallbacks() { callbacks.finish() }

    // MARK: - Images

    private func instanceId(_ t: SimTask) -> String { accounts[t.account].instanceId }

    private func link(for t: SimTask, preview: Bool) -> String {
        let name = (PromptText.slug(t.prompt).isEmpty ? "sim" : "sim_" + PromptText.slug(t.prompt))
            + "_\(t.messageHash)" + (preview ? "_preview" : "") + ".png"
        let path = "/attachments/\(instanceId(t))/\(t.messageId)/\(name)"
        images[path] = t.image
        return signedURL(path)
    }

    /// The `index`th single image of a grid (1…4) and its thumbnail, signed like the grid: they
    /// expire with it. Each shows its quadrant's colour, so a test can tell them apart.
    private func singleLinks(for t: SimTask, index: Int, colours: [RGB]) -> SingleImageLink {
        let base = (PromptText.slug(t.prompt).isEmpty ? "sim" : "sim_" + PromptText.slug(t.prompt)) + "_\(t.messageHash)_\(index)"
        let path = "/attachments/\(instanceId(t))/\(t.messageId)/\(base).png"
        let thumbnailPath = "/attachments/\(instanceId(t))/\(t.messageId)/\(base)_384.png"
        let content = ImageContent.single(base: colours[index - 1], accent: colours[index % colours.count])
        images[path] = content
        images[thumbnailPath] = content
        return SingleImageLink(url: signedURL(path), thumbnail: signedURL(thumbnailPath))
    }

    private func signedURL(_ path: String) -> String {
        let issued = now / 1000
        return baseURL + path + "?" + signer.query(path: path, issuedSeconds: issued,
                                                   expiresSeconds: issued + configuration.imageLinkLifetime.milliseconds / 1000)
    }

    func image(path: String, query: [String: String]) -> SimReply {
        if switches.imageHostDown { return .text("<html><body><h1>503 Service Unavailable</h1></body></html>", status: 503) }
        switch signer.verify(path: path, query: query, nowSeconds: now / 1000) {
        case .valid:
            guard let content = images[path] else { return .text("Not Found", status: 404) }
            let (bytes, type) = ImageRenderer.render(content, side: configuration.imageSide)
            return SimReply(status: 200, contentType: type, body: bytes)
        case .expired, .badSignature:
            return .text("This content is no longer available.", status: 403)
        }
    }

    private func storeUpload(_ upload: DataURL) -> String {
        let ext = upload.contentType.split(separator: "/").last.map(String.init) ?? "png"
        let path = "/attachments/\(accounts[0].instanceId)/\(snowflake())/upload_\(images.count + 1).\(ext)"
        images[path] = .uploaded(bytes: upload.bytes, contentType: upload.contentType)
        return signedURL(path)
    }

    // MARK: - Ids

    private func newTaskId() -> String {
        while true {
            let id = "\(now)" + String(rng.next() % 1000).leftPadded(to: 3)
            if tasks[id] == nil { return id }
        }
    }

    private func snowflake() -> String {
        // Discord ids: ms since 2015 shifted left 22 bits, plus a worker/sequence part.
        let discordEpoch: Int64 = 1_420_070_400_000
        let ms = UInt64(max(0, now - discordEpoch))
        return String((ms << 22) | (rng.next() & 0x3F_FFFF))
    }

    // MARK: - Requests

    /// Answers one API request (routing, auth and failure injection included).
    func respond(to request: SimRequest) -> (reply: SimReply, delay: Duration) {
        let (route, mode) = SimRoute.parse(method: request.method, path: request.path)
        if case .image(let path) = route { return (image(path: path, query: request.query), .zero) }
        if route == .simSwitches {
            if let denied = authorize(request) { return (denied, .zero) }
            return (switchesEndpoint(request), .zero)
        }
        stats.requests += 1
        let delay = switches.responseDelay
        if switches.outage {
            return (.text("<html><body><h1>502 Bad Gateway</h1></body></html>", status: 502), delay)
        }
        if rng.chance(switches.httpErrorFraction), let status = switches.httpErrorStatuses.randomElement(using: &rng) {
            stats.injectedHTTPErrors += 1
            return (injectedError(status: status), delay)
        }
        if route != .notFound, let denied = authorize(request) { return (denied, delay) }
        let reply = dispatch(route, mode: mode, request: request)
        if switches.loseSubmitAnswers > 0, Self.isSubmit(route), Self.isAcceptance(reply) {
            switches.loseSubmitAnswers -= 1
            stats.submitAnswersLost += 1
            return (.text("<html><body><h1>504 Gateway Time-out</h1></body></html>", status: 504),
                    max(delay, switches.lostAnswerDelay))
        }
        return (reply, delay)
    }

    private static func isSubmit(_ route: SimRoute) -> Bool {
        switch route {
        case .submit(let name): name != "upload-discord-images"
        case .swapFace: true
        default: false
        }
    }

    /// Codes 1, 21 and 22: the proxy created a task.
    private static func isAcceptance(_ reply: SimReply) -> Bool {
        guard reply.status == 200, let code = JSONValue.parse(reply.body)?["code"] else { return false }
        return [.int(1), .int(21), .int(22)].contains(code)
    }

    private func injectedError(status: Int) -> SimReply {
        switch status {
        case 502: return .text("<html><body><h1>502 Bad Gateway</h1></body></html>", status: status)
        case 429:
            var reply = SimReply.text("Too Many Requests", status: status)
            if let seconds = switches.retryAfterSeconds { reply.headers["Retry-After"] = String(seconds) }
            return reply
        case 401, 403: return .text("Forbidden", status: status)
        default: return .text("Internal Server Error", status: status)
        }
    }

    private func authorize(_ request: SimRequest) -> SimReply? {
        guard let key = configuration.apiKey, !key.isEmpty else { return nil }
        switch flavor {
        case .trueai:
            let auth = request.headers["authorization"].flatMap { $0.isEmpty ? nil : $0 }
            guard let token = auth ?? request.headers["mj-api-secret"].flatMap({ $0.isEmpty ? nil : $0 }) else {
                return .text("Authorization header missing.", status: 401)
            }
            // TA compares the header verbatim: "Bearer <key>" is a different token.
            return token == key ? nil : .text("Invalid token", status: 401)
        case .novicezk:
            return request.headers["mj-api-secret"] == key ? nil : .empty(status: 401)
        }
    }

    private func dispatch(_ route: SimRoute, mode: String, request: SimRequest) -> SimReply {
        switch route {
        case .notFound:
            return flavor == .novicezk
                ? .json(["timestamp": .string(isoNow()), "status": 404, "error": "Not Found",
                         "path": .string(request.path)], status: 404)
                : .empty(status: 404)
        case .methodNotAllowed:
            return .empty(status: 405)
        case .image:
            return .empty(status: 404)
        case .fetch(let id):
            guard let t = tasks[id] else {
                // TA returns null from an ActionResult (204); NZ writes an empty 200.
                return flavor == .trueai ? .empty(status: 204) : .empty(status: 200, contentType: "application/json")
            }
            return .json(t.json(flavor: flavor, instanceId: instanceId(t)))
        case .listAll:
            // A gateway in front (new-api) has no such route.
            guard switches.taskListAvailable else { return .text("404 page not found", status: 404) }
            // novicezk lists every task it keeps; trueai the newest 100. Newest first.
            let listed = flavor == .trueai ? Array(order.suffix(100)) : order
            return .json(.array(listed.reversed().compactMap { tasks[$0] }
                .map { $0.json(flavor: flavor, instanceId: instanceId($0)) }))
        default:
            break
        }
        // Everything else takes a JSON body.
        let body: JSONValue
        if request.body.isEmpty {
            body = .object(JSONObject())
        } else if let parsed = JSONValue.parse(request.body), parsed.objectValue != nil {
            body = parsed
        } else {
            return malformedBody(path: request.path)
        }
        switch route {
        case .list:
            let ids = body["ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return .json(.array(ids.compactMap { tasks[$0] }.map { $0.json(flavor: flavor, instanceId: instanceId($0)) }))
        case .imageSeed(let id): return imageSeed(id)
        case .cancel(let id): return cancel(id)
        case .swapFace: return swapFace(body, mode: mode)
        case .submit(let name):
            switch name {
            case "imagine": return imagine(body, mode: mode)
            case "action": return action(body, mode: mode)
            case "modal": return modal(body)
            case "blend": return blend(body, mode: mode)
            case "describe": return describe(body, mode: mode)
            case "shorten": return shorten(body, mode: mode)
            case "upload-discord-images": return uploadImages(body)
            case "change", "simple-change": return legacyChange(name, body, mode: mode)
            default: return .empty(status: 404)
            }
        default:
            return .empty(status: 404)
        }
    }

    private func malformedBody(path: String) -> SimReply {
        switch flavor {
        case .trueai:
            // Exceptions outside a controller's try/catch come back in TA's other envelope.
            return .json(["success": false, "code": -1, "message": "请求参数错误: body is not valid JSON",
                          "timestamp": .string(isoNow())])
        case .novicezk:
            return .json(["timestamp": .string(isoNow()), "status": 400, "error": "Bad Request",
                          "path": .string(path)], status: 400)
        }
    }

    private func isoNow() -> String {
        Date(timeIntervalSince1970: Double(now) / 1000).formatted(.iso8601)
    }

    // MARK: Submits

    private func commonFields(_ body: JSONValue) -> (state: String?, hook: String?, botType: String) {
        let bot = body["botType"]?.stringValue?.uppercased()
        let botType = (bot == "NIJI_JOURNEY" || bot == "NIJI") ? "NIJI_JOURNEY" : "MID_JOURNEY"
        let hook = body["notifyHook"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        return (body["state"]?.stringValue, hook, botType)
    }

    private func makeTask(action: String, prompt: String, promptEn: String? = nil, description: String,
                          body: JSONValue, mode: String, account: Int, result: ResultKind) -> SimTask {
        let common = commonFields(body)
        let id = newTaskId()
        nextSeq += 1
        var t = SimTask(id: id, seq: nextSeq, action: action, prompt: prompt, promptEn: promptEn ?? prompt,
                        description: description, state: common.state, submitTime: now, messageHash: rng.uuid(),
                        messageId: snowflake(), notifyHook: common.hook, account: account, mode: mode,
                        botType: common.botType, result: result)
        switch result {
        case .grid: t.image = .grid(RGB.palette(for: id))
        case .upscaled, .plainImage: t.image = .single(base: RGB.palette(for: id)[0], accent: RGB.palette(for: id)[2])
        case .describe, .shorten: t.image = nil
        }
        if !pendingFailures.isEmpty {
            t.plannedFailure = PlannedFailure(reason: pendingFailures.removeFirst(), atStart: false)
        }
        if !pendingImageUrls.isEmpty {
            t.plannedImageUrl = pendingImageUrls.removeFirst()
        }
        return t
    }

    /// `accountFilter.instanceId` picks that account (code 3 when there is none, as on trueai);
    /// otherwise the least loaded one.
    private func chooseAccount(_ body: JSONValue) -> Int? {
        if let wanted = body["accountFilter"]?["instanceId"]?.stringValue, !wanted.isEmpty {
            return accounts.firstIndex { $0.instanceId == wanted }
        }
        return leastLoadedAccount()
    }

    private func noAccount() -> SimReply {
        .submit(code: 3, description: "无可用的账号实例")
    }

    private func leastLoadedAccount() -> Int {
        accounts.indices.min { (accounts[$0].load, $0) < (accounts[$1].load, $1) } ?? 0
    }

    private func properties(account: Int) -> JSONObject {
        var p = JSONObject()
        p["discordInstanceId"] = .string(accounts[account].instanceId)
        if flavor == .trueai { p["discordChannelId"] = .string(accounts[account].instanceId) }
        return p
    }

    /// Puts a task on its account: a running slot (code 1), the queue (code 22) or nowhere (full).
    private func accept(_ task: SimTask) -> SimReply {
        var t = task
        let index = t.account
        let props = properties(account: index)
        if accounts[index].running.count < configuration.accountCoreSize {
            store(t)
            start(t.id, on: index)
            return .submit(code: 1, description: "提交成功", result: .string(t.id), properties: props)
        }
        guard accounts[index].queue.count < configuration.accountQueueSize else {
            if flavor == .trueai {
                return .submit(code: 9, description: "提交失败，队列已满，请稍后重试", properties: props)
            }
            return .submit(code: 23, description: "队列已满，请稍后尝试", properties: props)
        }
        t.nextEventAt = nil
        store(t)
        accounts[index].queue.append(t.id)
        // Like NZ's executor queue size: the count includes the task itself.
        let n = accounts[index].queue.count
        var p = props
        p["numberOfQueues"] = .int(Int64(n))
        return .submit(code: 22, description: "排队中，前面还有\(n)个任务", result: .string(t.id), properties: p)
    }

    private func store(_ t: SimTask) {
        if tasks.updateValue(t, forKey: t.id) == nil {
            order.append(t.id)
            stats.tasksCreated += 1
        }
    }

    private func validation(_ description: String) -> SimReply {
        .submit(code: 4, description: description)
    }

    private func bannedWord(in prompt: String) -> String? {
        let lower = prompt.lowercased()
        return switches.bannedWords.first { !$0.isEmpty && lower.contains($0.lowercased()) }
    }

    private func uploads(_ value: JSONValue?) -> [DataURL]? {
        guard let items = value?.arrayValue else { return [] }
        var out: [DataURL] = []
        for item in items {
            guard let s = item.stringValue, let d = DataURL(s) else { return nil }
            out.append(d)
        }
        return out
    }

    func imagine(_ body: JSONValue, mode: String) -> SimReply {
        guard let account = chooseAccount(body) else { return noAccount() }
        let prompt = (body["prompt"]?.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !prompt.isEmpty else { return validation("prompt不能为空") }
        guard let images = uploads(body["base64Array"]) else { return validation("base64格式错误") }
        let urls = images.map(storeUpload)
        let promptEn = (urls.map { "<\($0)>" } + [prompt]).joined(separator: " ")
        var planned: PlannedFailure?
        if let word = bannedWord(in: prompt) {
            if flavor == .novicezk {
                var p = JSONObject()
                p["promptEn"] = .string(promptEn)
                p["bannedWord"] = .string(word)
                return .submit(code: 24, description: "可能包含敏感词", properties: p)
            }
            planned = PlannedFailure(reason: "可能包含敏感词", atStart: true)
        }
        var t = makeTask(action: "IMAGINE", prompt: prompt, promptEn: promptEn,
                         description: flavor == .trueai ? "Submit success" : "/imagine \(prompt)",
                         body: body, mode: mode, account: account, result: .grid)
        if let planned { t.plannedFailure = planned }
        return accept(t)
    }

    func action(_ body: JSONValue, mode: String) -> SimReply {
        guard let parentId = body["taskId"]?.stringValue, !parentId.isEmpty else { return validation("taskId不能为空") }
        guard let customId = body["customId"]?.stringValue, !customId.isEmpty else {
            return validation("customId不能为空")
        }
        guard let parent = tasks[parentId] else {
            return .submit(code: 3, description: "关联任务不存在或已失效", status: flavor == .trueai ? 404 : 200)
        }
        guard parent.status == .success else { return validation("关联任务状态错误") }
        guard let kind = ButtonAction(customId: customId) else { return validation("未知的 Action 类型") }
        switch kind {
        case .bookmark, .animate, .videoUpscale:
            return validation("未知的 Action 类型")
        case .promptAnalyzer where flavor == .trueai:
            return validation("未知的 Action 类型")
        case .picReaderAll:
            guard flavor == .trueai else { return validation("不支持的操作") }
            return imagineAll(parent: parent, body: body, mode: mode)
        default:
            break
        }
        let forceRemix = flavor == .trueai && body["enableRemix"]?.boolValue == true
        let alwaysModal: Bool
        switch kind {
        case .customZoom, .varyRegion, .picReader, .promptAnalyzer: alwaysModal = true
        default: alwaysModal = false
        }
        var t = makeTask(action: actionName(kind, parent: parent), prompt: parent.prompt, promptEn: parent.promptEn,
                         description: flavor == .trueai ? "Submit success" : "/\(actionName(kind, parent: parent).lowercased()) \(parentId) \(label(kind))",
                         body: body, mode: mode, account: parent.account, result: resultKind(kind))
        t.parentId = parentId
        t.customId = customId
        if case .upscale(let i) = kind, case .grid(let colours)? = parent.image, (1...4).contains(i) {
            t.image = .single(base: colours[i - 1], accent: RGB.palette(for: t.id)[0])
        }
        if case .describeRetry = kind {
            t.image = parent.image
            t.describePrompts = PromptText.describePrompts(seed: StableHash.fnv1a(t.id))
        }
        if !parent.buttons.contains(where: { $0.customId == customId }) {
            // Discord rejects an interaction with a component the message never had.
            t.plannedFailure = PlannedFailure(reason: "Invalid Form Body", atStart: true)
        }
        guard alwaysModal || (kind.isRemixable && (switches.remix || forceRemix)) else { return accept(t) }

        // Code 21: a MODAL task waits for /submit/modal; it is not queued and sends no callback.
        t.status = .modal
        t.description = "Waiting for window confirm"
        t.modalAction = kind
        t.isRemixModal = true
        switch kind {
        case .picReader(let n):
            let prompts = parent.describePrompts ?? []
            t.finalPrompt = prompts.indices.contains(n - 1) ? prompts[n - 1] : parent.prompt
        case .promptAnalyzer(let n):
            let prompts = PromptText.shortenedPrompts(parent.prompt)
            t.finalPrompt = prompts.indices.contains(n - 1) ? prompts[n - 1] : parent.prompt
        default:
            t.finalPrompt = parent.finalPrompt ?? parent.prompt
        }
        store(t)
        var p = JSONObject()
        p["finalPrompt"] = .optional(t.finalPrompt)
        p["remix"] = true
        return .submit(code: 21, description: flavor == .trueai ? "Waiting for window confirm" : "窗口等待",
                       result: .string(t.id), properties: p)
    }

    private func actionName(_ kind: ButtonAction, parent: SimTask) -> String {
        switch kind {
        case .upscale: return "UPSCALE"
        case .upscaleHD: return flavor == .trueai ? "UPSCALE_HD" : "UPSCALE"
        case .variation, .varySubtle, .varyStrong, .varyRegion: return "VARIATION"
        case .reroll:
            guard flavor == .trueai else { return "REROLL" }
            return parent.action == "UPSCALE" || parent.action == "UPSCALE_HD" ? "IMAGINE" : parent.action
        case .zoomOut, .customZoom: return "ZOOM"
        case .pan: return "PAN"
        case .picReader, .promptAnalyzer, .picReaderAll: return "IMAGINE"
        case .describeRetry: return "DESCRIBE"
        case .animate, .videoUpscale: return "VIDEO"
        case .bookmark: return "ACTION"
        }
    }

    private func label(_ kind: ButtonAction) -> String {
        switch kind {
        case .upscale(let i): return "U\(i)"
        case .variation(let i): return "V\(i)"
        case .reroll: return "R"
        default: return ""
        }
    }

    private func resultKind(_ kind: ButtonAction) -> ResultKind {
        switch kind {
        case .upscale, .upscaleHD: return .upscaled
        case .describeRetry: return .describe
        default: return .grid
        }
    }

    private func imagineAll(parent: SimTask, body: JSONValue, mode: String) -> SimReply {
        var ids: [String] = []
        var last: SimReply?
        for prompt in parent.describePrompts ?? [] {
            let t = makeTask(action: "IMAGINE", prompt: prompt, description: "Submit success", body: body,
                             mode: mode, account: parent.account, result: .grid)
            let reply = accept(t)
            if tasks[t.id] != nil { ids.append(t.id) } else { last = reply }
        }
        if ids.isEmpty, let last { return last }
        return .submit(code: 1, description: "提交成功", result: .string(ids.joined(separator: ",")),
                       properties: properties(account: parent.account))
    }

    func modal(_ body: JSONValue) -> SimReply {
        guard let id = body["taskId"]?.stringValue, var t = tasks[id] else {
            return .submit(code: 3, description: "任务不存在或已失效", status: flavor == .trueai ? 404 : 200)
        }
        guard t.status == .modal else { return validation("任务状态错误") }
        let given = (body["prompt"]?.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let prompt = given.isEmpty ? (t.finalPrompt ?? t.prompt) : given
        switch t.modalAction {
        case .customZoom?:
            if PromptText.zoomValue(in: prompt) == nil {
                t.plannedFailure = PlannedFailure(reason: "[Invalid parameter] --zoom must be a number between 1 and 2",
                                                  atStart: true)
            }
        case .varyRegion?:
            guard let mask = body["maskBase64"]?.stringValue, DataURL(mask) != nil else {
                return validation("maskBase64不能为空")
            }
        default:
            break
        }
        t.prompt = prompt
        t.promptEn = prompt
        t.finalPrompt = nil
        t.status = .notStart
        t.description = flavor == .trueai ? "Submit success" : t.description
        t.submitTime = now
        // With a full queue the stored task stays MODAL and can be confirmed again later.
        return accept(t)
    }

    func blend(_ body: JSONValue, mode: String) -> SimReply {
        guard let account = chooseAccount(body) else { return noAccount() }
        guard let images = uploads(body["base64Array"]) else { return validation("base64格式错误") }
        guard (2...5).contains(images.count) else { return validation("base64List参数错误") }
        let dimensions = body["dimensions"]?.stringValue?.uppercased() ?? "SQUARE"
        let ratios = ["PORTRAIT": "2:3", "SQUARE": "1:1", "LANDSCAPE": "3:2"]
        guard let ratio = ratios[dimensions] else { return validation("dimensions参数错误") }
        let urls = images.map(storeUpload)
        let prompt = urls.map { "<\($0)>" }.joined(separator: " ") + " --ar \(ratio)"
        var t = makeTask(action: "BLEND", prompt: prompt, description: "/blend \(images.count)",
                         body: body, mode: mode, account: account, result: .grid)
        t.description = flavor == .trueai ? "Submit success" : "/blend \(t.id) \(images.count)"
        return accept(t)
    }

    func describe(_ body: JSONValue, mode: String) -> SimReply {
        guard let account = chooseAccount(body) else { return noAccount() }
        var image: ImageContent?
        var seed: UInt64 = 0
        if let s = body["base64"]?.stringValue, !s.isEmpty {
            guard let d = DataURL(s) else { return validation("base64格式错误") }
            image = .uploaded(bytes: d.bytes, contentType: d.contentType)
            seed = StableHash.fnv1a(d.bytes)
        } else if flavor == .trueai, let link = body["link"]?.stringValue, link.hasPrefix("http") {
            seed = StableHash.fnv1a(link)
        } else {
            return validation(flavor == .trueai ? "base64 或 link 不能为空" : "base64不能为空")
        }
        var t = makeTask(action: "DESCRIBE", prompt: "", description: "/describe", body: body, mode: mode,
                         account: account, result: .describe)
        t.image = image
        t.describePrompts = PromptText.describePrompts(seed: seed)
        t.description = flavor == .trueai ? "Submit success" : "/describe \(t.id).png"
        if image == nil, let link = body["link"]?.stringValue { t.imageUrl = link }
        return accept(t)
    }

    func shorten(_ body: JSONValue, mode: String) -> SimReply {
        guard let account = chooseAccount(body) else { return noAccount() }
        let prompt = (body["prompt"]?.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !prompt.isEmpty else { return validation("prompt不能为空") }
        let t = makeTask(action: "SHORTEN", prompt: prompt, description: flavor == .trueai ? "Submit success" : "/shorten \(prompt)",
                         body: body, mode: mode, account: account, result: .shorten)
        return accept(t)
    }

    func swapFace(_ body: JSONValue, mode: String) -> SimReply {
        guard let account = chooseAccount(body) else { return noAccount() }
        func source(_ base64Key: String, _ urlKey: String) -> Bool? {
            if let s = body[base64Key]?.stringValue, !s.isEmpty { return DataURL(s) != nil }
            if flavor == .trueai, let u = body[urlKey]?.stringValue, u.hasPrefix("http") { return true }
            return nil
        }
        guard let a = source("sourceBase64", "sourceUrl"), let b = source("targetBase64", "targetUrl") else {
            return validation("sourceBase64 和 targetBase64 不能为空")
        }
        guard a, b else { return validation("base64格式错误") }
        var t = makeTask(action: "SWAP_FACE", prompt: "", description: "Submit success", body: body, mode: mode,
                         account: account, result: .plainImage)
        t.botType = "INSIGHT_FACE"
        return accept(t)
    }

    func uploadImages(_ body: JSONValue) -> SimReply {
        guard let images = uploads(body["base64Array"]) else { return validation("base64格式错误") }
        guard !images.isEmpty else { return validation("base64Array不能为空") }
        let urls = images.map(storeUpload)
        return .submit(code: 1, description: "成功", result: .array(urls.map(JSONValue.string)))
    }

    /// NZ/PP's legacy `/submit/change` and `/submit/simple-change`: press U/V/🔄 by index.
    private func legacyChange(_ name: String, _ body: JSONValue, mode: String) -> SimReply {
        guard flavor == .novicezk else { return .empty(status: 404) }  // removed from TA in v10
        var taskId = body["taskId"]?.stringValue ?? ""
        var actionText = body["action"]?.stringValue?.uppercased() ?? ""
        var index = Int(body["index"]?.stringValue ?? "") ?? 0
        if name == "simple-change" {
            let parts = (body["content"]?.stringValue ?? "").split(separator: " ").map(String.init)
            guard parts.count == 2, let letter = parts[1].first else { return validation("content参数错误") }
            taskId = parts[0]
            index = Int(parts[1].dropFirst()) ?? 0
            actionText = ["U": "UPSCALE", "V": "VARIATION", "R": "REROLL"][String(letter).uppercased()] ?? ""
        }
        guard let parent = tasks[taskId] else { return .submit(code: 3, description: "关联任务不存在或已失效") }
        let wanted: String
        switch actionText {
        case "UPSCALE": wanted = "MJ::JOB::upsample::\(index)::"
        case "VARIATION": wanted = "MJ::JOB::variation::\(index)::"
        case "REROLL": wanted = "MJ::JOB::reroll::"
        default: return validation("action参数错误")
        }
        guard let button = parent.buttons.first(where: { $0.customId.hasPrefix(wanted) }) else {
            return validation("关联任务状态错误")
        }
        var forwarded = body.objectValue ?? JSONObject()
        forwarded["taskId"] = .string(taskId)
        forwarded["customId"] = .string(button.customId)
        return action(.object(forwarded), mode: mode)
    }

    // MARK: Task endpoints

    private func imageSeed(_ id: String) -> SimReply {
        guard let t = tasks[id] else {
            return .submit(code: 3, description: "任务不存在", status: flavor == .trueai ? 404 : 200)
        }
        guard t.hasPublishedHash else {
            return .submit(code: 4, description: "任务没有 messageHash，无法获取 seed", status: flavor == .trueai ? 400 : 200)
        }
        let seed = StableHash.fnv1a(t.messageHash) % 4_294_967_295
        return .submit(code: 1, description: "成功", result: .string(String(seed)))
    }

    private func cancel(_ id: String) -> SimReply {
        guard var t = tasks[id] else {
            return .submit(code: 3, description: "任务不存在", status: flavor == .trueai ? 404 : 200)
        }
        guard !t.status.isTerminal else { return validation("任务已结束，无法取消") }
        // TA's cancel really sets FAILURE; the plus server has a CANCEL status.
        finish(&t, failure: "取消任务", status: flavor == .trueai ? .failure : .cancel)
        return .submit(code: 1, description: "成功", result: .string(id))
    }

    // MARK: Inspection (tests, demo)

    func taskSnapshot(_ id: String) -> JSONValue? {
        tasks[id].map { $0.json(flavor: flavor, instanceId: instanceId($0)) }
    }

    var accountLoads: [(running: Int, queued: Int)] { accounts.map { ($0.running.count, $0.queue.count) } }
}

/// A `data:<type>;base64,<payload>` string, as the proxies accept image uploads.
struct DataURL: Sendable {
    var contentType: String
    var bytes: [UInt8]

    init?(_ text: String) {
        guard text.hasPrefix("data:"), let comma = text.firstIndex(of: ",") else { return nil }
        let header = text[text.index(text.startIndex, offsetBy: 5)..<comma]
        guard header.hasSuffix(";base64") else { return nil }
        let type = header.dropLast(";base64".count)
        guard type.contains("/"), let data = Data(base64Encoded: String(text[text.index(after: comma)...])),
              !data.isEmpty
        else { return nil }
        contentType = String(type)
        bytes = Array(data)
    }
}
