import Foundation

/// One client-server API call as a value: what to send, not how. Built by the static
/// functions in `MatrixRequest+Endpoints.swift`, executed by `MatrixClient`, compared in tests.
/// The access token is never part of it (it goes into the `Authorization` header at send
/// time), so a request can be logged or shown in a test failure as it is.
public struct MatrixRequest: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable {
        case get = "GET", post = "POST", put = "PUT"
    }

    public var method: Method
    /// Percent-encoded path, starting with `/_matrix/...`.
    public var path: String
    /// Query parameters in order; encoded by `pathAndQuery`.
    public var query: [QueryItem]
    public var body: Data?
    public var contentType: String?
    /// False only for calls that work without a token (login).
    public var requiresAuthentication: Bool
    /// The whole exchange's deadline (a `/sync` long-poll gets its poll time on top).
    public var timeout: Duration

    public struct QueryItem: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(method: Method, path: String, query: [QueryItem] = [], body: Data? = nil, contentType: String? = nil,
                requiresAuthentication: Bool = true, timeout: Duration = .seconds(30)) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
        self.requiresAuthentication = requiresAuthentication
        self.timeout = timeout
    }

    /// `path?name=value&...`, every name and value percent-encoded.
    public var pathAndQuery: String {
        guard !query.isEmpty else { return path }
        let items = query.map { "\(MatrixRequest.encode($0.name))=\(MatrixRequest.encode($0.value))" }
        return path + "?" + items.joined(separator: "&")
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters. Room ids (`!x:y`),
    /// aliases (`#a:b`), event ids (`$...`), user ids (`@u:s`) and transaction ids all go into
    /// paths as one segment each, and `#`, `?`, `/` or `%` in them must not change the path.
    public static func encode(_ component: String) -> String {
        var result = ""
        result.reserveCapacity(component.utf8.count)
        for byte in component.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }
}
