import IRC

/// Where an `IRCConnection` keeps the STS policies it learned (IRCv3 strict transport
/// security), per host, across restarts. The App keeps them in its database; the decisions
/// (when to store, when a stored one applies) are `STSPolicy` and `STSEndpoint`'s, in `IRC`.
public protocol STSPolicyStore: Sendable {
    /// The policy stored for `host` (lower-cased), expired or not; nil when there is none.
    func stsPolicy(host: String) async throws -> StoredSTSPolicy?
    /// Stores or replaces the policy for its host.
    func rememberSTSPolicy(_ policy: StoredSTSPolicy) async throws
    /// Drops the policy for `host`, if any.
    func forgetSTSPolicy(host: String) async throws
}
