/// An HTTP answer from the simulation core, before it becomes a Hummingbird `Response`.
struct SimReply: Sendable {
    var status: Int
    var contentType: String?
    var body: [UInt8]
    /// Further response headers (e.g. `Retry-After` on an injected 429).
    var headers: [String: String] = [:]

    static func json(_ value: JSONValue, status: Int = 200) -> SimReply {
        SimReply(status: status, contentType: "application/json; charset=utf-8", body: value.serialized())
    }

    static func text(_ text: String, status: Int) -> SimReply {
        SimReply(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    static func empty(status: Int, contentType: String? = nil) -> SimReply {
        SimReply(status: status, contentType: contentType, body: [])
    }

    /// The proxies' submit envelope: `{code, description, result, properties}`.
    static func submit(code: Int, description: String, result: JSONValue = .null,
                       properties: JSONObject = JSONObject(), status: Int = 200) -> SimReply {
        json(["code": .int(Int64(code)), "description": .string(description), "result": result,
              "properties": .object(properties)], status: status)
    }
}

/// A request as the core sees it: method, path without the speed-mode prefix, lower-cased headers.
struct SimRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var headers: [String: String]
    var body: [UInt8]
}

/// Which endpoint a request is for.
enum SimRoute: Sendable, Equatable {
    case submit(String)
    case swapFace
    case fetch(String)
    case list(byIds: Bool)
    case listAll
    case imageSeed(String)
    case cancel(String)
    case image(String)
    case notFound
    case methodNotAllowed
    /// `GET`/`POST /_sim/switches`: the failure-injection switches over HTTP (not a proxy endpoint).
    case simSwitches

    static let switchesPath = "/_sim/switches"

    /// Parses a path (`/mj-relax/mj/submit/imagine`); also returns the speed mode it asked for.
    static func parse(method: String, path rawPath: String) -> (route: SimRoute, mode: String) {
        var path = rawPath
        var mode = "FAST"
        for (prefix, m) in [("/mj-fast/", "FAST"), ("/mj-relax/", "RELAX"), ("/mj-turbo/", "TURBO")]
        where path.hasPrefix(prefix) {
            path = "/" + path.dropFirst(prefix.count)
            mode = m
        }
        if path.count > 1, path.hasSuffix("/") { path.removeLast() }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        func expect(_ m: String, _ route: SimRoute) -> (SimRoute, String) {
            (method == m ? route : .methodNotAllowed, mode)
        }
        if path == SimRoute.switchesPath {
            return (method == "GET" || method == "POST" ? .simSwitches : .methodNotAllowed, mode)
        }
        if rawPath.hasPrefix("/attachments/"), parts.count >= 4 {
            return expect("GET", .image(path))
        }
        guard parts.first == "mj", parts.count >= 3 else { return (.notFound, mode) }
        switch (parts[1], parts.count) {
        case ("submit", 3):
            let known = ["imagine", "action", "modal", "blend", "describe", "shorten", "upload-discord-images",
                         "change", "simple-change"]
            return known.contains(parts[2]) ? expect("POST", .submit(parts[2])) : (.notFound, mode)
        case ("insight-face", 3) where parts[2] == "swap":
            return expect("POST", .swapFace)
        case ("task", 3):
            switch parts[2] {
            case "list-by-condition": return expect("POST", .list(byIds: false))
            case "list-by-ids": return expect("POST", .list(byIds: true))
            case "list": return expect("GET", .listAll)
            default: return (.notFound, mode)
            }
        case ("task", 4):
            switch parts[3] {
            case "fetch": return expect("GET", .fetch(parts[2]))
            case "image-seed": return expect("GET", .imageSeed(parts[2]))
            case "cancel": return expect("POST", .cancel(parts[2]))
            default: return (.notFound, mode)
            }
        default:
            return (.notFound, mode)
        }
    }
}
