import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A thin client-server API client: executes `MatrixRequest`s on AsyncHTTPClient, one attempt
/// each. Deciding about retries is the caller's (`MatrixRetryPolicy`), because only the caller
/// knows whether a failure stops the transport (the bot's sync) or refuses one line (a send).
///
/// The access token goes into the `Authorization: Bearer` header only: never into a URL,
/// a log line or an error (`TokenRedactor` also scrubs whatever the server echoes back).
public actor MatrixClient {
    /// The homeserver's base URL without a trailing slash (`https://matrix.example.org`).
    public nonisolated let homeserver: String
    private var accessToken: String?
    private let httpClient: HTTPClient
    private let logger: Logger
    /// Largest JSON answer read (a `/sync` of a busy account can be large; the filter keeps it down).
    public nonisolated let maxResponseBytes: Int

    /// One connection pool for all Matrix clients, never shut down. Redirects are never
    /// followed: the `Authorization` header would go along to wherever `Location` points.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(homeserver: String, accessToken: String?, httpClient: HTTPClient = MatrixClient.sharedHTTPClient,
                logger: Logger = Logger(label: "mjbridge.matrix"), maxResponseBytes: Int = 32 * 1024 * 1024) {
        var base = homeserver
        while base.hasSuffix("/") { base.removeLast() }
        self.homeserver = base
        self.accessToken = accessToken
        self.httpClient = httpClient
        self.logger = logger
        self.maxResponseBytes = maxResponseBytes
    }

    public func setAccessToken(_ token: String?) {
        accessToken = token
    }

    private var redactor: TokenRedactor { TokenRedactor(tokens: [accessToken]) }

    // MARK: Calls

    /// Logs in with a password and uses the new token from then on.
    public func login(user: String, password: String, deviceID: String? = nil) async throws(MatrixClientError) -> LoginSession {
        let redactor = TokenRedactor(tokens: [accessToken, password])
        let json = try await performJSON(.login(user: user, password: password, deviceID: deviceID), redactor: redactor)
        guard let session = LoginSession.parse(json) else { throw .invalidResponse("the login answer lacks user_id, access_token or device_id") }
        accessToken = session.accessToken
        return session
    }

    public func whoAmI() async throws(MatrixClientError) -> AccountIdentity {
        let json = try await performJSON(.whoAmI())
        guard let userID = json["user_id"]?.stringValue else { throw .invalidResponse("the whoami answer has no user_id") }
        return AccountIdentity(userID: userID, deviceID: json["device_id"]?.stringValue)
    }

    /// Joins by room id or alias; returns the room id.
    @discardableResult
    public func join(_ roomIDOrAlias: String) async throws(MatrixClientError) -> String {
        let json = try await performJSON(.join(roomIDOrAlias))
        guard let roomID = json["room_id"]?.stringValue else { throw .invalidResponse("the join answer has no room_id") }
        return roomID
    }

    /// The room id an alias (`#name:server`) points to now.
    public func resolveAlias(_ alias: String) async throws(MatrixClientError) -> String {
        let json = try await performJSON(.resolveAlias(alias))
        guard let roomID = json["room_id"]?.stringValue else { throw .invalidResponse("the alias answer has no room_id") }
        return roomID
    }

    public func leave(_ roomID: String) async throws(MatrixClientError) {
        _ = try await performJSON(.leave(roomID))
    }

    /// One `/sync` (the server holds it up to `timeout` when nothing is new).
    public func sync(filter: String? = SyncFilter.inline(), since: String?, timeout: Duration,
                     ownUserID: String) async throws(MatrixClientError) -> SyncBatch {
        let response = try await perform(.sync(filter: filter, since: since, timeout: timeout))
        do {
            return try SyncParser.parse(response.body, ownUserID: ownUserID)
        } catch {
            // The parser quotes the server's bytes; they may echo the token.
            throw .invalidResponse(redactor.redact(error.description))
        }
    }

    /// Sends an event; returns its id. Sending again with the same `transactionID` (same
    /// device) returns the same id and creates no second event.
    public func send(roomID: String, eventType: String = "m.room.message", transactionID: String,
                     content: MatrixJSON) async throws(MatrixClientError) -> String {
        let json = try await performJSON(.send(roomID: roomID, eventType: eventType, transactionID: transactionID, content: content))
        guard let eventID = json["event_id"]?.stringValue else { throw .invalidResponse("the send answer has no event_id") }
        return eventID
    }

    /// Uploads to the media repository; returns the `mxc://` URI for `m.image`.
    public func upload(_ data: Data, contentType: String, filename: String?) async throws(MatrixClientError) -> MediaURI {
        let json = try await performJSON(.upload(data, contentType: contentType, filename: filename))
        guard let text = json["content_uri"]?.stringValue, let uri = MediaURI(text) else {
            throw .invalidResponse("the upload answer has no valid content_uri")
        }
        return uri
    }

    /// Downloads media through the authenticated endpoint.
    public func download(_ uri: MediaURI, maxBytes: Int = 64 * 1024 * 1024) async throws(MatrixClientError) -> DownloadedMedia {
        let response = try await perform(.download(uri), maxBytes: maxBytes)
        return DownloadedMedia(data: response.body, contentType: response.contentType)
    }

    /// Creates a room; returns its id.
    public func createRoom(_ body: MatrixJSON) async throws(MatrixClientError) -> String {
        let json = try await performJSON(.createRoom(body))
        guard let roomID = json["room_id"]?.stringValue else { throw .invalidResponse("the createRoom answer has no room_id") }
        return roomID
    }

    public func invite(roomID: String, userID: String) async throws(MatrixClientError) {
        _ = try await performJSON(.invite(roomID: roomID, userID: userID))
    }

    public func messages(roomID: String, from: String? = nil, limit: Int = 100) async throws(MatrixClientError) -> MessagesPage {
        let json = try await performJSON(.messages(roomID: roomID, from: from, limit: limit))
        return MessagesPage(events: json["chunk"]?.arrayValue ?? [], end: json["end"]?.stringValue)
    }

    // MARK: HTTP

    public struct Response: Sendable {
        public var status: Int
        public var contentType: String?
        public var body: Data
    }

    private func performJSON(_ request: MatrixRequest, redactor: TokenRedactor? = nil) async throws(MatrixClientError) -> MatrixJSON {
        let response = try await perform(request, redactor: redactor)
        do {
            return try MatrixJSON.parse(response.body)
        } catch {
            throw .invalidResponse("the answer to \(request.method.rawValue) \(request.path) is not JSON")
        }
    }

    /// One exchange: a 2xx answer is returned, anything else thrown as `MatrixClientError`.
    public func perform(_ request: MatrixRequest, maxBytes: Int? = nil,
                        redactor: TokenRedactor? = nil) async throws(MatrixClientError) -> Response {
        let redactor = redactor ?? self.redactor
        var http = HTTPClientRequest(url: homeserver + request.pathAndQuery)
        http.method = HTTPMethod(rawValue: request.method.rawValue)
        http.headers.add(name: "User-Agent", value: "mjbridge")
        http.headers.add(name: "Accept", value: "application/json")
        if request.requiresAuthentication {
            guard let accessToken else { throw .server(MatrixErrorResponse(status: 401, errcode: "M_MISSING_TOKEN", message: "no access token configured")) }
            http.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        }
        if let body = request.body {
            http.headers.add(name: "Content-Type", value: request.contentType ?? "application/octet-stream")
            http.body = .bytes(ByteBuffer(bytes: body))
        }

        let started = ContinuousClock.now
        let response: Response
        let retryAfter: String?
        do {
            (response, retryAfter) = try await Self.run(http, on: httpClient, timeout: request.timeout,
                                                         maxBytes: maxBytes ?? maxResponseBytes)
        } catch {
            let failure = Self.classify(error, redactor: redactor)
            logger.debug("homeserver call failed", metadata: [
                "method": "\(request.method.rawValue)", "path": "\(request.path)", "error": "\(failure)",
            ])
            throw failure
        }
        logger.trace("homeserver answered", metadata: [
            "method": "\(request.method.rawValue)", "path": "\(request.path)", "status": "\(response.status)",
            "bytes": "\(response.body.count)", "ms": "\(MatrixRequest.milliseconds(ContinuousClock.now - started))",
        ])
        switch response.status {
        case 200..<300:
            return response
        case 300..<400:
            throw .redirected(status: response.status)
        default:
            throw .server(MatrixErrorResponse.parse(status: response.status, body: response.body, retryAfterHeader: retryAfter,
                                                    redactor: redactor))
        }
    }

    struct TimeoutReached: Error {}
    struct BodyTooLarge: Error {}

    private static func classify(_ error: any Error, redactor: TokenRedactor) -> MatrixClientError {
        if error is CancellationError || Task.isCancelled { return .cancelled }
        if error is TimeoutReached { return .transport("no answer in time", mayHaveArrived: true) }
        if error is BodyTooLarge { return .invalidResponse("the answer is larger than allowed") }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout:
                return .transport("connecting timed out", mayHaveArrived: false)
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return .transport("no answer in time", mayHaveArrived: true)
            case .remoteConnectionClosed:
                return .transport("the homeserver closed the connection before answering", mayHaveArrived: true)
            default:
                break
            }
        }
        let text = redactor.redact("\(error)")
        // Refused and DNS failures happen before anything was sent; anything else may come
        // after (a reset, a broken pipe): the request may have arrived.
        let beforeSending = ["Connection refused", "connectTimeout", "errno: 111)", "lookup", "resolve", "NXDOMAIN"]
            .contains { text.contains($0) }
        return .transport(text, mayHaveArrived: !beforeSending)
    }

    /// Races the whole exchange, body included, against `timeout` (AsyncHTTPClient's own
    /// deadline only covers the time until the response head).
    private static func run(_ request: HTTPClientRequest, on client: HTTPClient, timeout: Duration, maxBytes: Int)
        async throws -> (Response, String?) {
        try await withThrowingTaskGroup(of: (Response, String?)?.self) { group in
            group.addTask {
                let response = try await client.execute(request, timeout: .milliseconds(MatrixRequest.milliseconds(timeout)))
                var body = Data()
                for try await chunk in response.body {
                    guard body.count + chunk.readableBytes <= maxBytes else { throw BodyTooLarge() }
                    body.append(contentsOf: chunk.readableBytesView)
                }
                return (Response(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"),
                                 body: body),
                        response.headers.first(name: "Retry-After"))
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else { throw TimeoutReached() }
            return result
        }
    }
}
