import Foundation
import Testing
@testable import IRC

@Suite struct STSPolicyTests {
    @Test func parsesPortDurationAndPreloadIgnoringUnknownKeys() {
        #expect(STSPolicy(capabilityValue: "port=6697,duration=300,preload,future=x") == STSPolicy(port: 6697, duration: 300, preload: true))
        #expect(STSPolicy(capabilityValue: "duration=0") == STSPolicy(duration: 0))
        #expect(STSPolicy(capabilityValue: "future,port=7000") == STSPolicy(port: 7000))
        // Invalid values count as absent; a valueless sts carries no policy at all.
        #expect(STSPolicy(capabilityValue: "port=abc,duration=-5") == STSPolicy())
        #expect(STSPolicy(capabilityValue: "port=0") == STSPolicy())
        #expect(STSPolicy(capabilityValue: "port=70000") == STSPolicy())
        #expect(STSPolicy(capabilityValue: nil) == nil)
        #expect(STSPolicy(capabilityValue: "") == nil)
    }

    @Test func decisionDependsOnTheConnection() {
        let both = STSPolicy(port: 6697, duration: 300)
        #expect(both.decision(on: .plain) == .upgrade(port: 6697))
        #expect(both.decision(on: .verifiedTLS) == .remember(duration: 300))
        #expect(STSPolicy(duration: 0).decision(on: .verifiedTLS) == .forget)
        // Plain text without a port, TLS without a duration: nothing to act on.
        guard case .ignore = STSPolicy(duration: 300).decision(on: .plain) else { Issue.record("plain without port"); return }
        guard case .ignore = STSPolicy(port: 6697).decision(on: .verifiedTLS) else { Issue.record("TLS without duration"); return }
        // Unverified TLS proves nothing about who sent it: never stored.
        guard case .ignore(let reason) = both.decision(on: .unverifiedTLS) else { Issue.record("unverified"); return }
        #expect(reason.contains("tls_verify = false"))
    }

    @Test func storedPolicyExpiresAfterItsDuration() {
        let seen = Date(timeIntervalSince1970: 1_000_000)
        let policy = StoredSTSPolicy(host: "IRC.Example.NET", port: 6697, duration: 60, preload: false, seenAt: seen)
        #expect(policy.host == "irc.example.net")
        #expect(policy.isActive(at: seen.addingTimeInterval(59)))
        #expect(!policy.isActive(at: seen.addingTimeInterval(60)))
    }

    @Test func endpointFollowsUpgradeThenStoredPolicyThenConfig() {
        let now = Date(timeIntervalSince1970: 2_000_000)
        let stored = StoredSTSPolicy(host: "h", port: 6697, duration: 100, preload: false, seenAt: now.addingTimeInterval(-50))
        let expired = StoredSTSPolicy(host: "h", port: 6697, duration: 10, preload: false, seenAt: now.addingTimeInterval(-50))
        #expect(STSEndpoint.decide(configuredTLS: false, configuredPort: 6667, upgradedPort: nil, stored: nil, now: now)
                == STSEndpoint(tls: false, port: 6667, reason: .configured))
        #expect(STSEndpoint.decide(configuredTLS: false, configuredPort: 6667, upgradedPort: nil, stored: stored, now: now)
                == STSEndpoint(tls: true, port: 6697, reason: .storedPolicy(expiresAt: stored.expiresAt)))
        #expect(STSEndpoint.decide(configuredTLS: false, configuredPort: 6667, upgradedPort: nil, stored: expired, now: now)
                == STSEndpoint(tls: false, port: 6667, reason: .configured))
        // Once upgraded in this process, never plain again, whatever the store says.
        #expect(STSEndpoint.decide(configuredTLS: false, configuredPort: 6667, upgradedPort: 7000, stored: expired, now: now)
                == STSEndpoint(tls: true, port: 7000, reason: .upgraded))
        #expect(STSEndpoint.decide(configuredTLS: true, configuredPort: 6697, upgradedPort: nil, stored: stored, now: now)
                == STSEndpoint(tls: true, port: 6697, reason: .configured))
    }
}
