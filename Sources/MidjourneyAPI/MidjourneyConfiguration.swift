/// How to reach a proxy. See `ProxyBaseURL` for the accepted base URL forms and `AuthStyle`
/// for the header choices.
public struct MidjourneyConfiguration: Sendable {
    public var baseURL: String
    /// Nil or empty for proxies without a secret.
    public var apiKey: String?
    public var authStyle: AuthStyle
    public var timeouts: Timeouts
    public var retryPolicy: RetryPolicy
    /// Ids per list-by-condition request.
    public var listBatchSize: Int
    /// Largest response body accepted.
    public var maxResponseBytes: Int
    /// Other secrets the proxy may echo back and that must never reach a log or a reply: the
    /// bot's callback secret travels in every `notifyHook` it sends.
    public var otherSecrets: [String] = []

    public struct Timeouts: Sendable, Hashable {
        /// Whole exchange (connect, send, receive) for reads and ordinary submits.
        public var request: Duration
        /// Requests carrying images (imagine with image prompts, blend, describe, swap, upload).
        public var upload: Duration

        public init(request: Duration = .seconds(30), upload: Duration = .seconds(120)) {
            self.request = request
            self.upload = upload
        }
    }

    public init(baseURL: String, apiKey: String? = nil, authStyle: AuthStyle = .both, timeouts: Timeouts = Timeouts(),
                retryPolicy: RetryPolicy = .default, listBatchSize: Int = 100, maxResponseBytes: Int = 16 << 20) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.authStyle = authStyle
        self.timeouts = timeouts
        self.retryPolicy = retryPolicy
        self.listBatchSize = max(1, listBatchSize)
        self.maxResponseBytes = maxResponseBytes
    }
}

extension MidjourneyConfiguration: CustomStringConvertible {
    /// For logs: never shows the key.
    public var description: String {
        "MidjourneyConfiguration(baseURL: \(baseURL), apiKey: \(apiKey?.isEmpty == false ? "set" : "none"), authStyle: \(authStyle.rawValue))"
    }
}
