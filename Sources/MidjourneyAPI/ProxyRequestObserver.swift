/// One finished proxy request, as the metrics see it: which endpoint (a fixed set, never an
/// id), how it ended and how long it took. Retries of a read are separate requests.
public struct ProxyRequestReport: Sendable, Hashable {
    public var endpoint: ProxyEndpoint
    public var outcome: ProxyRequestOutcome
    public var duration: Duration

    public init(endpoint: ProxyEndpoint, outcome: ProxyRequestOutcome, duration: Duration) {
        self.endpoint = endpoint
        self.outcome = outcome
        self.duration = duration
    }
}

/// Called once per request the client sends; injected so this target stays free of any
/// metrics backend (the App records Prometheus series from it). Must not block.
public typealias ProxyRequestObserver = @Sendable (ProxyRequestReport) -> Void

/// The endpoints of the proxy contract, as a bounded metric label.
public enum ProxyEndpoint: String, Sendable, Hashable, CaseIterable {
    case imagine, action, modal, blend, describe, shorten
    case swapFace = "swap_face"
    case fetch, list, cancel, seed, upload, other

    /// The endpoint a request path (relative to the base URL) belongs to.
    public init(path: String) {
        let path = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        switch true {
        case path.hasSuffix("/submit/imagine"): self = .imagine
        case path.hasSuffix("/submit/action"): self = .action
        case path.hasSuffix("/submit/modal"): self = .modal
        case path.hasSuffix("/submit/blend"): self = .blend
        case path.hasSuffix("/submit/describe"): self = .describe
        case path.hasSuffix("/submit/shorten"): self = .shorten
        case path.hasSuffix("/insight-face/swap"): self = .swapFace
        case path.hasSuffix("/submit/upload-discord-images"): self = .upload
        case path.hasSuffix("/task/list-by-condition"): self = .list
        case path.hasPrefix("/task/") && path.hasSuffix("/fetch"): self = .fetch
        case path.hasPrefix("/task/") && path.hasSuffix("/cancel"): self = .cancel
        case path.hasPrefix("/task/") && path.hasSuffix("/image-seed"): self = .seed
        default: self = .other
        }
    }
}

/// How one proxy request ended, as a bounded metric label: `ok`, `http_4xx`, `http_5xx`,
/// `timeout`, `unreachable`, or `proxy_code_N` when a submit came back with a refusing code.
public struct ProxyRequestOutcome: Sendable, Hashable, CustomStringConvertible {
    public let label: String
    public var description: String { label }

    public static let ok = ProxyRequestOutcome(label: "ok")
    public static let http4xx = ProxyRequestOutcome(label: "http_4xx")
    public static let http5xx = ProxyRequestOutcome(label: "http_5xx")
    public static let timeout = ProxyRequestOutcome(label: "timeout")
    public static let unreachable = ProxyRequestOutcome(label: "unreachable")
    /// A body the client could not use (malformed JSON, too large, truncated).
    public static let invalid = ProxyRequestOutcome(label: "invalid")
    public static let cancelled = ProxyRequestOutcome(label: "cancelled")

    /// The proxy's envelope code; codes are small integers, so the label set stays bounded.
    public static func proxyCode(_ code: Int) -> ProxyRequestOutcome {
        ProxyRequestOutcome(label: "proxy_code_\(min(max(code, -1), 99))")
    }

    /// The outcome an error thrown by the client stands for.
    public init(_ error: MJError) {
        switch error {
        case .apiKeyRejected, .notFound, .rateLimited, .redirected: self = .http4xx
        case .httpStatus(let status, _): self = status >= 500 ? .http5xx : .http4xx
        case .server: self = .http5xx
        case .timeout: self = .timeout
        case .unreachable, .connectionLost, .badBaseURL: self = .unreachable
        case .decoding, .invalidRequest: self = .invalid
        case .rejected(let response): self = .proxyCode(response.code.value)
        case .cancelled: self = .cancelled
        }
    }

    private init(label: String) { self.label = label }
}
