/// Whether and when to try a failed call again. Pure: the caller passes the attempt number
/// and a jitter in 0..<1 (random in production, fixed in tests) and sleeps itself.
///
/// - `M_LIMIT_EXCEEDED`: wait what the server asked (`retry_after_ms`) plus up to 10 % on top,
///   so several accounts throttled together do not come back in the same millisecond; without
///   a hint, the exponential backoff.
/// - 5xx, 408, other 429s, a 4xx without a Matrix `errcode` (a reverse proxy's error page
///   while the homeserver is away), no answer, an unreadable 2xx: exponential backoff from `base`,
///   doubling per attempt up to `cap`, "equal jitter" (half fixed, half random): never less
///   than half the step, so a flapping server is not hammered.
/// - The token rejected (`M_UNKNOWN_TOKEN`, `M_MISSING_TOKEN`): stop; only a new token helps.
/// - `M_FORBIDDEN` and other 4xx with an `errcode`: stop; the same request will be refused again.
public struct MatrixRetryPolicy: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration
    /// A `retry_after_ms` beyond this is treated as this (a broken or hostile server must not
    /// park the transport for days); the next attempt will be told again if still limited.
    public var longestRateLimitWait: Duration

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(60), longestRateLimitWait: Duration = .seconds(600)) {
        self.base = base
        self.cap = cap
        self.longestRateLimitWait = longestRateLimitWait
    }

    public enum Decision: Sendable, Hashable {
        case retry(after: Duration)
        case stop(StopReason)
    }

    public enum StopReason: Sendable, Hashable {
        /// The access token is invalid: the transport stops with a clear log line.
        case tokenRejected(softLogout: Bool)
        /// `M_FORBIDDEN`: for the bot's own sync, stop the transport; for a send, the room refused it.
        case forbidden(String)
        /// Any other refusal (4xx, a redirect): this request will not succeed by repeating it.
        case rejected(String)
        case cancelled
    }

    /// `attempt` counts from 1 (the first failure).
    public func decision(for error: MatrixClientError, attempt: Int, jitter: Double) -> Decision {
        let jitter = min(max(jitter, 0), 1)
        switch error {
        case .server(let response) where response.isRateLimited:
            if let wait = response.retryAfter {
                let bounded = min(wait, longestRateLimitWait)
                return .retry(after: bounded + bounded * (0.1 * jitter))
            }
            return .retry(after: backoff(attempt: attempt, jitter: jitter))
        case .server(let response) where response.isTokenRejected:
            return .stop(.tokenRejected(softLogout: response.softLogout))
        case .server(let response) where response.isForbidden:
            return .stop(.forbidden(response.message))
        case .server(let response) where response.status >= 500 || response.status == 408 || !response.fromHomeserver:
            return .retry(after: backoff(attempt: attempt, jitter: jitter))
        case .server(let response):
            return .stop(.rejected(response.description))
        case .transport, .invalidResponse:
            return .retry(after: backoff(attempt: attempt, jitter: jitter))
        case .redirected:
            return .stop(.rejected(error.description))
        case .cancelled:
            return .stop(.cancelled)
        }
    }

    /// Step `base · 2^(attempt-1)` capped at `cap`; the wait is half the step plus
    /// `jitter` times the other half.
    public func backoff(attempt: Int, jitter: Double) -> Duration {
        var step = base
        for _ in 1..<max(attempt, 1) {
            step = step * 2
            if step >= cap { step = cap; break }
        }
        step = min(step, cap)
        return step / 2 + (step / 2) * min(max(jitter, 0), 1)
    }
}
