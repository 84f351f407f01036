import Foundation

/// Everything that can go wrong talking to a proxy, with a `description` a user can act on.
/// Descriptions never contain the API key: server-provided text is passed through
/// `SecretRedactor` before it lands here.
public enum MJError: Error, Sendable, Hashable, CustomStringConvertible {
    /// HTTP 401/403.
    case apiKeyRejected(status: Int, hint: String)
    /// HTTP 404 without a proxy envelope: usually a wrong base URL. `path` is the full URL tried.
    case notFound(path: String)
    /// HTTP 429; `retryAfter` from the header when present.
    case rateLimited(retryAfter: Duration?)
    /// HTTP 5xx.
    case server(status: Int)
    /// No complete answer within the request timeout. For a submit the task may still have been
    /// created, so it is not resubmitted blindly.
    case timeout(submit: Bool)
    /// Could not connect (refused, DNS, TLS): the request never reached the proxy.
    case unreachable(String)
    /// The connection broke after the request went out (closed or reset before a complete
    /// answer). For a submit the task may have been created, as with `timeout(submit: true)`.
    case connectionLost(String)
    case badBaseURL(String)
    /// HTTP 3xx: the base URL points at something that redirects (http→https, a moved host, a
    /// login page). Not followed, so the API key never travels to `location` (as sent, maybe
    /// relative; "" when the answer had none).
    case redirected(status: Int, location: String)
    /// The answer could not be understood.
    case decoding(String)
    /// The proxy answered with a code that is not an acceptance (3, 4, 9, 23, 24, 5, 30, -1, …).
    case rejected(SubmitResponse)
    /// Refused by the client before sending (e.g. blend with 1 image).
    case invalidRequest(String)
    /// Any other HTTP status.
    case httpStatus(Int, String)
    /// The calling task was cancelled (shutdown); nothing to tell a user.
    case cancelled

    /// Worth retrying after a pause (reads are retried automatically, submits never).
    public var isRetryable: Bool {
        switch self {
        case .rateLimited, .server, .timeout, .unreachable, .connectionLost: true
        case .rejected(let response): response.code.isTransient
        default: false
        }
    }

    /// For a submit: the proxy may have taken the job although no acceptance was read (no
    /// answer in time, the connection broke after sending, a 5xx, an accepting answer that
    /// could not be read, the caller cancelled mid-request). Submits are never retried, so such
    /// a job is found again by its `state` or reported as lost track of. False = the proxy
    /// provably did not take it (it refused, or the request never reached it).
    public var submitOutcomeUnknown: Bool {
        switch self {
        case .timeout, .connectionLost, .server, .decoding, .cancelled: true
        case .httpStatus(let status, _): status >= 500
        case .apiKeyRejected, .notFound, .rateLimited, .unreachable, .badBaseURL, .redirected, .rejected, .invalidRequest: false
        }
    }

    public var description: String {
        switch self {
        case .apiKeyRejected(let status, let hint):
            return "API key rejected by the Midjourney proxy (HTTP \(status)): \(hint)."
        case .notFound(let path):
            return "The Midjourney proxy has no \(path) (HTTP 404). Check the base URL: it should be the proxy's root, e.g. http://host:8080 or http://host:8080/mj (servers without speed modes reject /mj-fast etc.)."
        case .rateLimited(let retryAfter):
            if let retryAfter {
                return "The Midjourney proxy is rate limiting us; try again in \(Self.format(retryAfter))."
            }
            return "The Midjourney proxy is rate limiting us; try again later."
        case .server(let status):
            return "The Midjourney proxy had an internal error (HTTP \(status)); try again later."
        case .timeout(let submit):
            if submit {
                return "The Midjourney proxy did not answer in time; the job may still have been accepted, so check before submitting again."
            }
            return "The Midjourney proxy did not answer in time."
        case .unreachable(let reason):
            return "Cannot reach the Midjourney proxy: \(reason)."
        case .connectionLost(let reason):
            return "The connection to the Midjourney proxy broke before it answered: \(reason)."
        case .badBaseURL(let hint):
            return "Bad Midjourney proxy base URL: \(hint)."
        case .redirected(let status, let location):
            let target = location.isEmpty ? "without a Location" : "to \(location)"
            return "The Midjourney proxy answered HTTP \(status), a redirect \(target). Redirects are not followed, so that the API key cannot leak to another server: set proxy.base_url to the address the proxy really serves."
        case .decoding(let what):
            return "Could not understand the Midjourney proxy's answer: \(what)."
        case .rejected(let response):
            return Self.describe(response)
        case .invalidRequest(let why):
            return "Invalid request: \(why)."
        case .cancelled:
            return "The request to the Midjourney proxy was cancelled."
        case .httpStatus(let status, let body):
            return body.isEmpty
                ? "The Midjourney proxy answered HTTP \(status)."
                : "The Midjourney proxy answered HTTP \(status): \(body)"
        }
    }

    private static func describe(_ response: SubmitResponse) -> String {
        let text = ProxyText.readable(response.description)
        let detail = text.isEmpty ? "" : ": \(text)"
        switch response.code {
        case .bannedPrompt:
            if let word = response.bannedWord, !word.isEmpty {
                return "Midjourney refused the prompt: banned word '\(word)'."
            }
            return "Midjourney refused the prompt: it contains a banned word."
        case .queueFull:
            return "The Midjourney queue is full; try again in a few minutes."
        case .failure:
            return "The Midjourney proxy could not take the job\(detail) (code 9); try again later."
        case .notFound:
            return "Not found\(detail) (code 3)."
        case .validation:
            return "The Midjourney proxy rejected the request\(detail) (code 4)."
        case .gatewayError:
            return "The Midjourney gateway failed\(detail) (code 5); try again later."
        case .rateLimited:
            return "The Midjourney gateway is rate limiting us\(detail) (code 30); try again later."
        default:
            return "The Midjourney proxy refused\(detail) (code \(response.code.value))."
        }
    }

    static func format(_ duration: Duration) -> String {
        let seconds = Int((Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18).rounded(.up))
        if seconds >= 120 { return "\((seconds + 59) / 60) minutes" }
        return seconds == 1 ? "1 second" : "\(seconds) seconds"
    }

    /// A short, single-line excerpt of a body for error messages.
    static func snippet(of data: Data, limit: Int = 120) -> String {
        let text = String(decoding: data.prefix(limit * 4), as: UTF8.self)
            .replacingOccurrences(of: "\r", with: " ")
            .replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "\0", with: "")
            .trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return "empty body" }
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}
