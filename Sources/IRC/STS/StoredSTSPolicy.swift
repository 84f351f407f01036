import Foundation

/// An STS policy remembered for a host: connect there with TLS on `port` until `expiresAt`.
/// Kept by the App in its database; the decisions about it are here.
public struct StoredSTSPolicy: Sendable, Hashable {
    /// Lower-cased host name, as configured (the spec keys policies by host, not port).
    public var host: String
    /// The port of the TLS connection that delivered the policy.
    public var port: Int
    /// The policy's `duration`, for refreshing the expiry on the next sighting.
    public var duration: Int
    public var expiresAt: Date
    public var preload: Bool

    public init(host: String, port: Int, duration: Int, expiresAt: Date, preload: Bool = false) {
        self.host = StoredSTSPolicy.key(host)
        self.port = port
        self.duration = duration
        self.expiresAt = expiresAt
        self.preload = preload
    }

    /// A policy seen at `now` on a verified TLS connection to `host:port`.
    public init(host: String, port: Int, duration: Int, preload: Bool, seenAt now: Date) {
        self.init(host: host, port: port, duration: duration, expiresAt: now.addingTimeInterval(TimeInterval(duration)),
                  preload: preload)
    }

    public func isActive(at now: Date) -> Bool { now < expiresAt }

    /// How hosts are compared: DNS names are case-insensitive.
    public static func key(_ host: String) -> String { host.lowercased() }
}

/// Where (and how) the next connection goes: the configured endpoint, unless STS says TLS.
/// Pure, so the client, `check-config` and the tests agree on one rule.
public struct STSEndpoint: Sendable, Hashable {
    public enum Reason: Sendable, Hashable {
        /// As configured (TLS on, or no policy applies).
        case configured
        /// This process upgraded after a plain-text connection advertised STS: never plain again.
        case upgraded
        /// A stored, unexpired policy for the host.
        case storedPolicy(expiresAt: Date)
    }

    public var tls: Bool
    public var port: Int
    public var reason: Reason

    public init(tls: Bool, port: Int, reason: Reason) {
        self.tls = tls
        self.port = port
        self.reason = reason
    }

    /// - Parameters:
    ///   - upgradedPort: the TLS port a plain connection of this process was sent to.
    ///   - stored: the policy stored for the configured host, if any (expired ones are ignored).
    public static func decide(configuredTLS: Bool, configuredPort: Int, upgradedPort: Int?,
                              stored: StoredSTSPolicy?, now: Date) -> STSEndpoint {
        // Configured for TLS: a policy can only say what the config already does.
        if configuredTLS { return STSEndpoint(tls: true, port: configuredPort, reason: .configured) }
        if let upgradedPort { return STSEndpoint(tls: true, port: upgradedPort, reason: .upgraded) }
        if let stored, stored.isActive(at: now) {
            return STSEndpoint(tls: true, port: stored.port, reason: .storedPolicy(expiresAt: stored.expiresAt))
        }
        return STSEndpoint(tls: false, port: configuredPort, reason: .configured)
    }
}
