import Foundation

/// A homeserver's refusal: HTTP status plus the standard error body
/// `{"errcode": "M_...", "error": "...", "retry_after_ms": n}`.
public struct MatrixErrorResponse: Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    /// `M_UNKNOWN` when the body had none (a proxy's HTML error page, an empty 502).
    public var errcode: String
    /// The server's words: untrusted text, already cut short and redacted by `MatrixClient`.
    public var message: String
    /// From `retry_after_ms` in the body, else the `Retry-After` header. Synapse sends both,
    /// the header rounded up to whole seconds, so the body is the more precise; newer spec
    /// versions deprecate the body field, hence the header as the fallback.
    public var retryAfter: Duration?
    /// `soft_logout` of an `M_UNKNOWN_TOKEN`: the token expired, a new login may restore the device.
    public var softLogout: Bool
    /// False when the body carried no `errcode` (an HTML page or an empty answer): then it is
    /// not the homeserver speaking but whatever stands in front of it (a reverse proxy during
    /// maintenance), and its 4xx says nothing final about the request.
    public var fromHomeserver: Bool

    public init(status: Int, errcode: String, message: String = "", retryAfter: Duration? = nil, softLogout: Bool = false,
                fromHomeserver: Bool = true) {
        self.status = status
        self.errcode = errcode
        self.message = message
        self.retryAfter = retryAfter
        self.softLogout = softLogout
        self.fromHomeserver = fromHomeserver
    }

    /// Reads an error answer. Never fails: whatever the body is, the status tells enough.
    /// `redactor` scrubs the server's words before they are cut to 200 characters (cut first,
    /// a token straddling the cut would leave its prefix behind), the error code too.
    public static func parse(status: Int, body: Data, retryAfterHeader: String?,
                             redactor: TokenRedactor = TokenRedactor(tokens: [])) -> MatrixErrorResponse {
        let json = try? MatrixJSON.parse(body)
        // A non-JSON body (an HTML error page) is read up to 64 KiB for redaction, then cut.
        let words = json?["error"]?.stringValue ?? String(decoding: body.prefix(64 << 10), as: UTF8.self)
        var error = MatrixErrorResponse(
            status: status,
            errcode: String(redactor.redact(json?["errcode"]?.stringValue ?? (status == 429 ? "M_LIMIT_EXCEEDED" : "M_UNKNOWN")).prefix(100)),
            message: String(redactor.redact(words).prefix(200)),
            softLogout: json?["soft_logout"]?.boolValue ?? false,
            fromHomeserver: json?["errcode"]?.stringValue != nil
        )
        if let ms = json?["retry_after_ms"]?.int64Value, ms >= 0 {
            error.retryAfter = .milliseconds(ms)
        } else if let header = retryAfterHeader?.trimmingCharacters(in: .whitespaces), let seconds = Int64(header), seconds >= 0 {
            error.retryAfter = .seconds(seconds)
        }
        return error
    }

    public var isRateLimited: Bool { errcode == "M_LIMIT_EXCEEDED" || status == 429 }
    /// The token is not (or no longer) valid: nothing but a new token helps.
    public var isTokenRejected: Bool { errcode == "M_UNKNOWN_TOKEN" || errcode == "M_MISSING_TOKEN" }
    public var isForbidden: Bool { errcode == "M_FORBIDDEN" }

    public var description: String {
        var text = "\(errcode) (HTTP \(status))"
        if !message.isEmpty { text += ": \(message)" }
        if let retryAfter { text += ", retry after \(retryAfter)" }
        return text
    }
}

/// Everything a `MatrixClient` call can throw.
public enum MatrixClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The homeserver answered with an error status.
    case server(MatrixErrorResponse)
    /// No answer: connection refused or reset, DNS, TLS, or the deadline passed. `mayHaveArrived`
    /// is true when the request may have reached the server (sent, no answer): a send must then
    /// be repeated with the same transaction id, never a new one.
    case transport(String, mayHaveArrived: Bool)
    /// A 2xx answer the client could not read.
    case invalidResponse(String)
    /// A 3xx: never followed (the `Authorization` header would go along).
    case redirected(status: Int)
    case cancelled

    public var description: String {
        switch self {
        case .server(let error): "homeserver refused: \(error)"
        case .transport(let why, _): "homeserver unreachable: \(why)"
        case .invalidResponse(let why): "unreadable homeserver answer: \(why)"
        case .redirected(let status): "homeserver answered with a redirect (HTTP \(status)), not followed"
        case .cancelled: "cancelled"
        }
    }
}
