import Foundation

/// The value of the IRCv3 `sts` capability (strict transport security): `port=6697`,
/// `duration=2592000`, `preload`, comma-separated. Unknown keys are ignored (the spec lets
/// servers add keys); a key with a value that is not a number is treated as absent.
public struct STSPolicy: Sendable, Hashable {
    /// Where the TLS listener is; only meaningful on a plain-text connection.
    public var port: Int?
    /// How long (seconds) the client keeps connecting with TLS; only meaningful over TLS.
    public var duration: Int?
    /// The server agrees to be put on preload lists (we keep no list: informational).
    public var preload: Bool

    public init(port: Int? = nil, duration: Int? = nil, preload: Bool = false) {
        self.port = port
        self.duration = duration
        self.preload = preload
    }

    /// Parses `port=6697,duration=300,preload,unknown=x`; nil for a missing value (`sts` with
    /// no `=`), which carries no policy.
    public init?(capabilityValue: String?) {
        guard let value = capabilityValue, !value.isEmpty else { return nil }
        self.init()
        for item in value.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].lowercased()
            let text = parts.count > 1 ? String(parts[1]) : nil
            switch key {
            case "port":
                // 1...65535 only: anything else would send us nowhere.
                port = text.flatMap { Int($0) }.flatMap { (1...65535).contains($0) ? $0 : nil }
            case "duration":
                // Non-negative integer seconds; capped at ten years so expiry arithmetic stays sane.
                duration = text.flatMap { Int($0) }.flatMap { $0 >= 0 ? min($0, 315_360_000) : nil }
            case "preload":
                preload = true
            default:
                continue
            }
        }
    }

    /// How the connection the policy arrived on was secured.
    public enum Transport: Sendable, Hashable {
        case plain
        /// TLS whose certificate was verified (CA chain and host name, or a `tls_fingerprint` pin).
        case verifiedTLS
        /// TLS with verification switched off: nothing proves who sent the policy.
        case unverifiedTLS
    }

    /// What a client does with this policy, per the IRCv3 STS spec.
    public enum Decision: Sendable, Hashable {
        /// Plain text: close and connect again with TLS to this port; never go back to plain.
        case upgrade(port: Int)
        /// Verified TLS: keep connecting with TLS for `duration` seconds from now (refreshed
        /// every time the policy is seen).
        case remember(duration: Int)
        /// Verified TLS with `duration=0`: forget the stored policy.
        case forget
        /// Nothing to do; the reason is for the log.
        case ignore(String)
    }

    public func decision(on transport: Transport) -> Decision {
        switch transport {
        case .plain:
            guard let port else { return .ignore("the STS policy on a plain-text connection names no valid port") }
            return .upgrade(port: port)
        case .verifiedTLS:
            guard let duration else { return .ignore("the STS policy over TLS names no valid duration") }
            return duration == 0 ? .forget : .remember(duration: duration)
        case .unverifiedTLS:
            // The spec ties persistence to a valid certificate: with tls_verify = false anyone
            // in the path could have planted the policy.
            return .ignore("the STS policy was not stored: the certificate is not verified (tls_verify = false)")
        }
    }
}
