/// How reads (fetch, list-by-condition, image-seed) are retried: exponential backoff with
/// jitter. Submits are never retried: a repeated imagine costs the user twice.
///
/// `random` and `sleep` are injectable so tests see exact delays and do not wait.
public struct RetryPolicy: Sendable {
    /// Total tries including the first; 1 disables retrying.
    public var maxAttempts: Int
    /// Delay before the second try; doubled for each further one.
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Fraction of each delay that is randomised (0 = none, 1 = "full jitter").
    public var jitter: Double
    /// A 429's `Retry-After` longer than this is not waited for; the error goes to the caller.
    public var maxRetryAfter: Duration
    /// Uniform in 0..<1.
    public var random: @Sendable () -> Double
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(8),
                jitter: Double = 0.5, maxRetryAfter: Duration = .seconds(30),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = min(max(jitter, 0), 1)
        self.maxRetryAfter = maxRetryAfter
        self.random = random
        self.sleep = sleep
    }

    public static let `default` = RetryPolicy()
    public static let none = RetryPolicy(maxAttempts: 1)

    /// Pause after failed try number `attempt` (1-based): `min(maxDelay, base·2^(attempt-1))`,
    /// of which the `jitter` fraction is scaled by `random()`.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let raw = baseDelay * (1 << exponent)
        let capped = raw > maxDelay ? maxDelay : raw
        let factor = (1 - jitter) + jitter * min(max(random(), 0), 1)
        return capped * factor
    }

    /// The pause before the next try after `error`, or nil when it should not be retried.
    func pause(after error: MJError, attempt: Int) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        switch error {
        case .server, .timeout(submit: false), .unreachable:
            return delay(afterAttempt: attempt)
        case .rateLimited(let retryAfter):
            guard let retryAfter else { return delay(afterAttempt: attempt) }
            guard retryAfter <= maxRetryAfter else { return nil }
            let backoff = delay(afterAttempt: attempt)
            return retryAfter > backoff ? retryAfter : backoff
        default:
            return nil
        }
    }
}
