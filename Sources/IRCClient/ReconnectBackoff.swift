/// When to reconnect: exponential backoff with full jitter between `minimum` and a cap that
/// doubles per failed attempt up to `maximum`; a connection that stayed up for `resetAfter`
/// starts the sequence over. Randomness comes from the caller so tests are exact.
public struct ReconnectBackoff: Sendable, Hashable {
    public var minimum: Duration
    public var maximum: Duration
    public var resetAfter: Duration
    /// How many times in a row we have waited without a lasting connection.
    public private(set) var attempts = 0

    public init(minimum: Duration = .seconds(2), maximum: Duration = .seconds(300), resetAfter: Duration = .seconds(300)) {
        self.minimum = minimum
        self.maximum = max(maximum, minimum)
        self.resetAfter = resetAfter
    }

    /// The upper bound of the next wait, before jitter.
    public var currentCap: Duration {
        // 2^attempts overflows nothing here: the cap is reached long before 2^62.
        let factor = Double(1 << min(attempts, 30))
        let cap = minimum.seconds * factor
        return .seconds(min(cap, maximum.seconds))
    }

    /// A connection ended after being up for `uptime`; a long-lived one resets the sequence.
    public mutating func connectionEnded(uptime: Duration) {
        if uptime >= resetAfter { attempts = 0 }
    }

    /// The wait before the next attempt. `penalized` (the server sent ERROR or 465) skips two
    /// steps ahead so a server that threw us out is not hammered.
    public mutating func nextDelay(penalized: Bool = false, using random: inout some RandomNumberGenerator) -> Duration {
        if penalized { attempts += 2 }
        let cap = currentCap.seconds
        let low = minimum.seconds
        attempts += 1
        guard cap > low else { return minimum }
        return .seconds(Double.random(in: low...cap, using: &random))
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
