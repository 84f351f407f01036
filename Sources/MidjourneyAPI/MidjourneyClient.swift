import AsyncHTTPClient
import Foundation
import Logging

/// Typed client for every endpoint of the Midjourney-proxy contract.
///
/// Submits return normally only when the task was accepted (codes 1 and 22; for `action` also
/// 21, which asks for `modal`); every other code throws `MJError.rejected` carrying the response.
/// Submits are sent exactly once. Reads (`fetch`, `list`, `imageSeed`) retry transient failures
/// according to `configuration.retryPolicy`. The API key never appears in logs or errors.
public struct MidjourneyClient: Sendable {
    public let configuration: MidjourneyConfiguration
    public let baseURL: ProxyBaseURL
    let httpClient: HTTPClient
    let logger: Logger
    let redactor: SecretRedactor
    /// Told about every request sent (endpoint, outcome, duration); nil = nobody listens.
    let observer: ProxyRequestObserver?

    /// Throws `.badBaseURL` when the configured base URL cannot be used. `httpClient` must not
    /// follow redirects (`sharedHTTPClient` does not): a redirect would carry the API key along.
    public init(configuration: MidjourneyConfiguration, httpClient: HTTPClient,
                logger: Logger = Logger(label: "mjbridge.midjourney"),
                observer: ProxyRequestObserver? = nil) throws(MJError) {
        let redactor = SecretRedactor(apiKey: configuration.apiKey, otherSecrets: configuration.otherSecrets)
        do {
            self.baseURL = try ProxyBaseURL(configuration.baseURL)
        } catch {
            throw redactor.redact(error)
        }
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
        self.redactor = redactor
        self.observer = observer
    }

    // MARK: Submits (never retried)

    public func imagine(_ request: ImagineRequest) async throws(MJError) -> SubmitResponse {
        try await submit("/submit/imagine", request, carriesImages: !(request.base64Array ?? []).isEmpty)
    }

    /// Code 21 is returned (not thrown): `taskId` is then the MODAL task to confirm with `modal`.
    public func action(_ request: ActionRequest) async throws(MJError) -> SubmitResponse {
        try await submit("/submit/action", request, carriesImages: false,
                         accepts: { $0.isAccepted || $0 == .modalRequired })
    }

    public func modal(_ request: ModalRequest) async throws(MJError) -> SubmitResponse {
        try await submit("/submit/modal", request, carriesImages: request.maskBase64 != nil)
    }

    public func blend(_ request: BlendRequest) async throws(MJError) -> SubmitResponse {
        guard BlendRequest.imageCountRange.contains(request.base64Array.count) else {
            throw .invalidRequest("blend needs 2 to 5 images, got \(request.base64Array.count)")
        }
        return try await submit("/submit/blend", request, carriesImages: true)
    }

    public func describe(_ request: DescribeRequest) async throws(MJError) -> SubmitResponse {
        let hasImage = !(request.base64 ?? "").isEmpty
        let hasLink = !(request.link ?? "").isEmpty
        guard hasImage != hasLink else {
            throw .invalidRequest("describe needs exactly one of an image or a link")
        }
        return try await submit("/submit/describe", request, carriesImages: hasImage)
    }

    public func shorten(_ request: ShortenRequest) async throws(MJError) -> SubmitResponse {
        try await submit("/submit/shorten", request, carriesImages: false)
    }

    public func swapFace(_ request: SwapFaceRequest) async throws(MJError) -> SubmitResponse {
        try await submit("/insight-face/swap", request, carriesImages: true)
    }

    /// Uploads data-URL images and returns the URLs the proxy hands back.
    public func uploadDiscordImages(_ base64Array: [String], accountFilter: AccountFilter? = nil) async throws(MJError) -> [String] {
        guard !base64Array.isEmpty else { throw .invalidRequest("no images to upload") }
        let response = try await submit("/submit/upload-discord-images",
                                        UploadDiscordImagesRequest(base64Array: base64Array, accountFilter: accountFilter),
                                        carriesImages: true, requiresTaskId: false)
        return response.resultStrings
    }

    /// Cancels a queued, running or MODAL task (plus, trueai; trueai marks it FAILURE `取消任务`).
    public func cancel(id: String) async throws(MJError) -> SubmitResponse {
        try await guarded { () async throws(MJError) -> SubmitResponse in
            let raw = try await exchange(.POST, "/task/\(Self.escape(id))/cancel", body: nil,
                                         timeout: configuration.timeouts.request, isSubmit: true)
            let response = try SubmitResponse.decode(raw.body)
            logger.debug("cancel answered", metadata: ["task": "\(id)", "code": "\(response.code)"])
            guard response.code.isAccepted else { throw .rejected(response) }
            return response
        }
    }

    // MARK: Reads (retried)

    /// One task, or nil when the proxy does not know the id (200-empty, 204, `null`, code 3,
    /// or new-api's `{code:4, description:"task_no_found"}`).
    public func fetch(id: String) async throws(MJError) -> MJTask? {
        try await guarded { () async throws(MJError) -> MJTask? in
            let raw = try await read(.GET, "/task/\(Self.escape(id))/fetch", body: nil)
            if raw.status == 204 { return nil }
            guard let json = try Self.parse(raw.body), !json.isNull else { return nil }
            if let task = MJTask(json: json) { return task }
            if let envelope = SubmitResponse(json: json) {
                if Self.meansTaskNotFound(envelope) { return nil }
                throw .rejected(envelope)
            }
            throw .decoding("fetch answered neither a task nor an error (\(MJError.snippet(of: raw.body)))")
        }
    }

    /// The tasks among `ids` the proxy knows, in batches of `configuration.listBatchSize`.
    /// Unknown ids are silently missing from the result, as on the servers.
    public func list(ids: [String]) async throws(MJError) -> [MJTask] {
        var seen = Set<String>()
        let unique = ids.filter { !$0.isEmpty && seen.insert($0).inserted }
        var tasks: [MJTask] = []
        var start = 0
        while start < unique.count {
            let batch = Array(unique[start..<min(start + configuration.listBatchSize, unique.count)])
            tasks += try await listBatch(batch)
            start += batch.count
        }
        return tasks
    }

    private func listBatch(_ ids: [String]) async throws(MJError) -> [MJTask] {
        try await guarded { () async throws(MJError) -> [MJTask] in
            let body = try Self.encode(ListByConditionRequest(ids: ids))
            let raw = try await read(.POST, "/task/list-by-condition", body: body)
            if raw.status == 204 { return [] }
            guard let json = try Self.parse(raw.body) else { return [] }
            switch json {
            case .null:
                return []
            case .array(let items):
                var tasks: [MJTask] = []
                for item in items {
                    if let task = MJTask(json: item) {
                        tasks.append(task)
                    } else {
                        // One odd entry must not stop polling of all the others.
                        logger.warning("list-by-condition: skipped an entry without id")
                    }
                }
                return tasks
            default:
                if let envelope = SubmitResponse(json: json) { throw .rejected(envelope) }
                throw .decoding("list-by-condition answered neither a list nor an error (\(MJError.snippet(of: raw.body)))")
            }
        }
    }

    /// The Midjourney seed of a finished image.
    public func imageSeed(id: String) async throws(MJError) -> String {
        try await guarded { () async throws(MJError) -> String in
            let raw = try await read(.GET, "/task/\(Self.escape(id))/image-seed", body: nil)
            let response = try SubmitResponse.decode(raw.body)
            guard response.code == .submitted else { throw .rejected(response) }
            guard let seed = response.result.stringValue, !seed.isEmpty else {
                throw .decoding("image-seed answered code 1 without a seed")
            }
            return seed
        }
    }

    // MARK: Helpers

    private func submit<Body: Encodable>(_ path: String, _ request: Body, carriesImages: Bool, requiresTaskId: Bool = true,
                                         accepts: @Sendable (ReturnCode) -> Bool = { $0.isAccepted })
        async throws(MJError) -> SubmitResponse {
        try await guarded { () async throws(MJError) -> SubmitResponse in
            let body = try Self.encode(request)
            let timeout = carriesImages ? configuration.timeouts.upload : configuration.timeouts.request
            // The outcome is recorded here, not in `exchange`: only the envelope's code says
            // whether the proxy took the job.
            let started = ContinuousClock.now
            let report = { [observer] (outcome: ProxyRequestOutcome) in
                observer?(ProxyRequestReport(endpoint: ProxyEndpoint(path: path), outcome: outcome,
                                             duration: ContinuousClock.now - started))
            }
            let raw: RawResponse
            let response: SubmitResponse
            do throws(MJError) {
                raw = try await exchange(.POST, path, body: body, timeout: timeout, isSubmit: true, observed: false)
                response = try SubmitResponse.decode(raw.body)
            } catch {
                report(ProxyRequestOutcome(error))
                throw error
            }
            report(accepts(response.code) ? .ok : .proxyCode(response.code.value))
            logger.debug("submit answered", metadata: [
                "path": "\(path)", "code": "\(response.code)", "task": "\(redactor.redact(response.taskId ?? "-"))",
            ])
            guard accepts(response.code) else { throw .rejected(response) }
            if requiresTaskId && response.taskId == nil {
                throw .decoding("the proxy accepted the job (code \(response.code)) but sent no task id")
            }
            return response
        }
    }

    /// Redacts the key out of every error leaving the client.
    func guarded<T>(_ body: () async throws(MJError) -> T) async throws(MJError) -> T {
        do {
            return try await body()
        } catch {
            throw redactor.redact(error)
        }
    }

    static func meansTaskNotFound(_ envelope: SubmitResponse) -> Bool {
        envelope.code == .notFound
            || (envelope.code == .validation && envelope.description.lowercased().contains("task_no_found"))
    }

    static func parse(_ data: Data) throws(MJError) -> JSONValue? {
        do {
            return try JSONValue.parse(data)
        } catch {
            throw .decoding("the proxy answered something that is not JSON (\(MJError.snippet(of: data))); is the base URL the proxy's API?")
        }
    }

    static func encode<Body: Encodable>(_ body: Body) throws(MJError) -> Data {
        do {
            return try JSONEncoder().encode(body)
        } catch {
            throw .invalidRequest("could not encode the request: \(error)")
        }
    }

    /// Task ids are digits; anything else is percent-encoded so an id cannot change the path.
    static func escape(_ id: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
        return id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
    }
}
