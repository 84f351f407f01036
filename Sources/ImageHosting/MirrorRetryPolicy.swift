import Foundation

/// When to try again to mirror a result whose download failed, and when to stop: exponential
/// backoff from `firstDelay` up to `maxDelay`; given up once the proxy's link has expired (its
/// `ex=`: nothing will be there any more) or `giveUpAfter` has passed since the first failure.
public struct MirrorRetryPolicy: Sendable, Hashable {
    public var firstDelay: TimeInterval
    public var maxDelay: TimeInterval
    public var giveUpAfter: TimeInterval

    public init(firstDelay: TimeInterval = 30, maxDelay: TimeInterval = 30 * 60, giveUpAfter: TimeInterval = 24 * 3600) {
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
        self.giveUpAfter = giveUpAfter
    }

    public enum Decision: Hashable, Sendable {
        case retry(at: Date)
        case giveUp(reason: String)
    }

    /// After the `attempts`-th failed attempt (1 = the mirror at completion).
    public func next(afterAttempts attempts: Int, firstFailedAt: Date, now: Date, linkExpiry: Date?) -> Decision {
        if let linkExpiry, linkExpiry <= now {
            return .giveUp(reason: "the proxy's link expired")
        }
        let stop = firstFailedAt.addingTimeInterval(giveUpAfter)
        if now >= stop {
            return .giveUp(reason: "still failing \(Int(giveUpAfter / 3600)) h after the first attempt")
        }
        let exponent = Double(max(0, attempts - 1))
        let delay = min(maxDelay, firstDelay * pow(2, min(exponent, 30)))
        return .retry(at: min(now.addingTimeInterval(delay), stop))
    }
}

/// The expiry a Discord-style signed link carries (`ex=<hex unix seconds>`), nil without one.
public enum LinkExpiry {
    public static func of(_ url: String) -> Date? {
        guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == "ex", let seconds = Int64(parts[1], radix: 16) {
                return Date(timeIntervalSince1970: TimeInterval(seconds))
            }
        }
        return nil
    }

    /// The earliest expiry among `urls`.
    public static func earliest(_ urls: [String]) -> Date? {
        urls.compactMap(of).min()
    }
}
