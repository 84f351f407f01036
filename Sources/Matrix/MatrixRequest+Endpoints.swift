import Foundation

/// The client-server API calls the transport needs (spec v1.11+ paths). Each is a pure
/// function of its arguments; the tests compare the result.
extension MatrixRequest {
    static let client = "/_matrix/client/v3"

    /// `POST /login` with `m.login.password`. Passing the stored `deviceID` keeps the device
    /// (and with it the homeserver's transaction-id scope, see `TransactionID`) across logins.
    public static func login(user: String, password: String, deviceID: String? = nil,
                             deviceDisplayName: String? = "mjbridge") -> MatrixRequest {
        var body: [String: MatrixJSON] = [
            "type": "m.login.password",
            "identifier": ["type": "m.id.user", "user": .string(user)],
            "password": .string(password),
        ]
        if let deviceID { body["device_id"] = .string(deviceID) }
        if let deviceDisplayName { body["initial_device_display_name"] = .string(deviceDisplayName) }
        return json(.post, client + "/login", .object(body), authenticated: false)
    }

    /// `GET /account/whoami`: who the token belongs to (and its device).
    public static func whoAmI() -> MatrixRequest {
        MatrixRequest(method: .get, path: client + "/account/whoami")
    }

    /// `POST /join/{roomIdOrAlias}`: joins by id or alias (and accepts an invite).
    public static func join(_ roomIDOrAlias: String, reason: String? = nil) -> MatrixRequest {
        json(.post, client + "/join/" + encode(roomIDOrAlias), reason.map { ["reason": .string($0)] } ?? [:])
    }

    /// `GET /directory/room/{roomAlias}`: the room id an alias points to.
    public static func resolveAlias(_ alias: String) -> MatrixRequest {
        MatrixRequest(method: .get, path: client + "/directory/room/" + encode(alias))
    }

    /// `POST /rooms/{roomId}/leave` (also refuses an invite).
    public static func leave(_ roomID: String, reason: String? = nil) -> MatrixRequest {
        json(.post, client + "/rooms/" + encode(roomID) + "/leave", reason.map { ["reason": .string($0)] } ?? [:])
    }

    /// `GET /sync`. `filter` is a filter id or an inline filter (`SyncFilter.json`); `since`
    /// is the `next_batch` of the previous answer (nil: an initial sync). `timeout` is how long
    /// the server may hold the request when nothing is new; the HTTP deadline adds a margin.
    public static func sync(filter: String?, since: String?, timeout: Duration, fullState: Bool = false) -> MatrixRequest {
        var query: [QueryItem] = []
        if let filter { query.append(QueryItem("filter", filter)) }
        if let since { query.append(QueryItem("since", since)) }
        query.append(QueryItem("timeout", String(milliseconds(timeout))))
        if fullState { query.append(QueryItem("full_state", "true")) }
        return MatrixRequest(method: .get, path: client + "/sync", query: query, timeout: timeout + .seconds(30))
    }

    /// `PUT /rooms/{roomId}/send/{eventType}/{txnId}`. The homeserver answers a repeated
    /// `txnId` (same device, same room) with the first event's id instead of a new event: see
    /// `TransactionID` for how the transport derives it.
    public static func send(roomID: String, eventType: String, transactionID: String, content: MatrixJSON) -> MatrixRequest {
        json(.put, client + "/rooms/" + encode(roomID) + "/send/" + encode(eventType) + "/" + encode(transactionID), content)
    }

    /// `POST /_matrix/media/v3/upload`: the bytes as the body, their MIME type as Content-Type.
    public static func upload(_ data: Data, contentType: String, filename: String?) -> MatrixRequest {
        MatrixRequest(method: .post, path: "/_matrix/media/v3/upload",
                      query: filename.map { [QueryItem("filename", $0)] } ?? [],
                      body: data, contentType: contentType, timeout: .seconds(120))
    }

    /// `GET /_matrix/client/v1/media/download/{serverName}/{mediaId}` (authenticated media,
    /// spec v1.11; Synapse with `enable_authenticated_media`, its default now, refuses the old
    /// unauthenticated path for new media).
    public static func download(_ uri: MediaURI) -> MatrixRequest {
        MatrixRequest(method: .get, path: "/_matrix/client/v1/media/download/" + encode(uri.serverName) + "/" + encode(uri.mediaID),
                      timeout: .seconds(120))
    }

    /// `POST /createRoom` with the given body (preset, invite, name...).
    public static func createRoom(_ body: MatrixJSON) -> MatrixRequest {
        json(.post, client + "/createRoom", body)
    }

    /// `POST /rooms/{roomId}/invite`.
    public static func invite(roomID: String, userID: String) -> MatrixRequest {
        json(.post, client + "/rooms/" + encode(roomID) + "/invite", ["user_id": .string(userID)])
    }

    /// `GET /rooms/{roomId}/messages`: a page of the room's timeline, newest first with
    /// `direction: "b"` and no `from`.
    public static func messages(roomID: String, from: String? = nil, direction: String = "b", limit: Int = 100,
                                filter: String? = nil) -> MatrixRequest {
        var query = [QueryItem("dir", direction), QueryItem("limit", String(limit))]
        if let from { query.append(QueryItem("from", from)) }
        if let filter { query.append(QueryItem("filter", filter)) }
        return MatrixRequest(method: .get, path: client + "/rooms/" + encode(roomID) + "/messages", query: query)
    }

    private static func json(_ method: Method, _ path: String, _ body: MatrixJSON, authenticated: Bool = true) -> MatrixRequest {
        MatrixRequest(method: method, path: path, body: body.encoded(), contentType: "application/json",
                      requiresAuthentication: authenticated)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
