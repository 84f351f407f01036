/// Paces outgoing lines so the server never sees a flood: a token bucket of `burst` lines that
/// refills one line per `interval` (defaults: 5 back to back, then one every 2 s).
///
/// Long lines cost more, because servers such as ircu charge by length: with `penaltyBytes`
/// 256, a line of 1…256 bytes costs one token, 257…512 two, and so on (a cost never exceeds
/// `burst`, so every line can eventually go). Pure: the caller passes `now`, so tests are exact.
/// Implemented as a GCRA ("virtual scheduling"): one instant of state, no timers.
public struct FloodControl: Sendable, Hashable {
    public struct Configuration: Sendable, Hashable {
        /// Lines that may go back to back after a quiet period. At least 1.
        public var burst: Int
        /// Time one token takes to come back.
        public var interval: Duration
        /// Every started block of this many bytes after the first costs one more token; nil: no
        /// length penalty.
        public var penaltyBytes: Int?

        public init(burst: Int = 5, interval: Duration = .seconds(2), penaltyBytes: Int? = 256) {
            self.burst = max(1, burst)
            self.interval = max(.zero, interval)
            self.penaltyBytes = penaltyBytes.flatMap { $0 > 0 ? $0 : nil }
        }

        public static let `default` = Configuration()
    }

    public let configuration: Configuration
    // When the bucket will be full again if nothing more is sent; nil: full now.
    private var fullAt: ContinuousClock.Instant?

    public init(_ configuration: Configuration = .default) {
        self.configuration = configuration
    }

    /// Tokens a line of `bytes` bytes (as sent, CRLF included) costs.
    public func cost(bytes: Int) -> Int {
        guard let block = configuration.penaltyBytes, bytes > block else { return 1 }
        return min(configuration.burst, 1 + (bytes - 1) / block)
    }

    /// The earliest instant a line of `bytes` bytes may be sent, without booking it.
    public func nextAllowed(bytes: Int, now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        guard let fullAt else { return now }
        // Enough tokens once the debt still owed is at most (burst - cost) tokens.
        let slack = configuration.interval * (configuration.burst - cost(bytes: bytes))
        return max(now, fullAt - slack)
    }

    /// How long to wait before sending a line of `bytes` bytes; `.zero` when it may go now.
    public func delay(bytes: Int, now: ContinuousClock.Instant) -> Duration {
        now.duration(to: nextAllowed(bytes: bytes, now: now))
    }

    /// Books a line of `bytes` bytes for the earliest allowed instant and returns how long the
    /// caller must wait before writing it. Lines booked back to back are spaced correctly even
    /// if the caller books several before sleeping.
    public mutating func reserve(bytes: Int, now: ContinuousClock.Instant) -> Duration {
        let sendAt = nextAllowed(bytes: bytes, now: now)
        let owedFrom = max(sendAt, fullAt ?? sendAt)
        fullAt = owedFrom + configuration.interval * cost(bytes: bytes)
        return now.duration(to: sendAt)
    }

    /// Forgets all sent lines (a new connection starts with a full bucket).
    public mutating func reset() {
        fullAt = nil
    }
}
