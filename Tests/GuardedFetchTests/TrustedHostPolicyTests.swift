import Testing
@testable import GuardedFetch

/// The proxy's own host may be private (a LAN or loopback proxy); nothing else gets that.
@Suite struct TrustedHostPolicyTests {
    @Test func onlyTheTrustedHostMayResolveToAPrivateAddress() throws {
        var policy = FetchPolicy()
        policy.trustedHosts = ["proxy.lan", "127.0.0.1"]
        let loopback = try #require(IPAddress("127.0.0.1"))
        let lan = try #require(IPAddress("192.168.1.20"))
        #expect(throws: Never.self) { try policy.check(addresses: [lan], of: "proxy.lan") }
        #expect(throws: Never.self) { try policy.check(addresses: [loopback], of: "127.0.0.1") }
        #expect(throws: FetchFailure.self) { try policy.check(addresses: [lan], of: "evil.example") }
        #expect(throws: FetchFailure.self) { try FetchPolicy().check(addresses: [lan], of: "proxy.lan") }
    }
}
