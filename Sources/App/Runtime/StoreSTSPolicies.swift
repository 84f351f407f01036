import Foundation
import IRC
import IRCClient
import Store

/// The IRC clients' STS policies in the bot's database (table `stsPolicy`, migration
/// "v11-sts"), so a policy learned before a restart still applies after it.
public struct StoreSTSPolicies: STSPolicyStore {
    let store: any BotStore
    let clock: @Sendable () -> Date

    public init(store: any BotStore, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    public func stsPolicy(host: String) async throws -> StoredSTSPolicy? {
        try await store.stsPolicy(host: host).map(Self.policy)
    }

    public func rememberSTSPolicy(_ policy: StoredSTSPolicy) async throws {
        try await store.saveSTSPolicy(STSPolicyRecord(host: policy.host, port: policy.port, durationSeconds: policy.duration,
                                                      preload: policy.preload, expiresAt: policy.expiresAt, updatedAt: clock()))
    }

    public func forgetSTSPolicy(host: String) async throws {
        try await store.removeSTSPolicy(host: host)
    }

    static func policy(_ record: STSPolicyRecord) -> StoredSTSPolicy {
        StoredSTSPolicy(host: record.host, port: record.port, duration: record.durationSeconds,
                        expiresAt: record.expiresAt, preload: record.preload)
    }
}

extension Configuration {
    /// What `check-config` says about stored STS policies: one line per `tls = false` network
    /// whose host has an unexpired policy, which then overrides the setting (the same rule
    /// the client follows, `STSEndpoint.decide`).
    public func stsNotes(policies: [STSPolicyRecord], now: Date) -> [String] {
        var notes: [String] = []
        for network in networks where !network.tls {
            guard let record = policies.first(where: { $0.host == StoredSTSPolicy.key(network.host) }) else { continue }
            let endpoint = STSEndpoint.decide(configuredTLS: false, configuredPort: network.port, upgradedPort: nil,
                                              stored: StoreSTSPolicies.policy(record), now: now)
            guard case .storedPolicy(let expiresAt) = endpoint.reason else { continue }
            notes.append("# STS: networks '\(network.name)': a stored policy for \(record.host) overrides tls = false"
                         + " — connects with TLS to port \(endpoint.port) until \(expiresAt.formatted(Date.ISO8601FormatStyle()))"
                         + " (the server's duration=\(record.durationSeconds) s, renewed on every connection)")
        }
        return notes
    }
}

extension Configuration {
    /// `stsNotes` from the database, when it exists (check-config never creates one), read
    /// read-only (it never migrates or writes the live bot's database); a database that
    /// cannot be read is said so, not fatal.
    public func storedSTSNotes(now: Date = Date()) async -> [String] {
        // A shared PostgreSQL store is not opened by check-config (it would migrate it).
        guard !store.isShared, networks.contains(where: { !$0.tls }), FileManager.default.fileExists(atPath: bot.databasePath) else { return [] }
        do {
            return stsNotes(policies: try SQLiteStore.storedSTSPolicies(path: bot.databasePath), now: now)
        } catch {
            return ["# STS: cannot read stored policies from \(bot.databasePath): \(error)"]
        }
    }
}
