import Testing
import GuardedFetch

@Suite struct AddressPolicyTests {
    @Test func byDefaultOnlyGlobalAddressesPass() throws {
        let policy = AddressPolicy()
        #expect(policy.verdict(for: IPAddress(93, 184, 215, 14)) == .allowed)
        #expect(try policy.verdict(for: #require(IPAddress("2606:2800:21f:cb07:6820:80da:af6b:8b2c"))) == .allowed)
        for (text, expected) in AddressClassTests.v4 + AddressClassTests.v6 where expected != .global {
            #expect(try policy.verdict(for: #require(IPAddress(text))) == .refused(expected), "\(text)")
        }
    }

    @Test func allowedNetworksExemptExactlyTheirAddresses() throws {
        let policy = AddressPolicy(allowedNetworks: ["127.0.0.2/32", "10.1.2.0/24", "fd00:1::/32"])
        #expect(policy.verdict(for: IPAddress(127, 0, 0, 2)) == .allowed)
        #expect(policy.verdict(for: IPAddress(127, 0, 0, 1)) == .refused(.loopback))
        #expect(policy.verdict(for: IPAddress(10, 1, 2, 200)) == .allowed)
        #expect(policy.verdict(for: IPAddress(10, 1, 3, 1)) == .refused(.privateUse))
        #expect(try policy.verdict(for: #require(IPAddress("fd00:1::5"))) == .allowed)
        #expect(try policy.verdict(for: #require(IPAddress("fd00:2::5"))) == .refused(.privateUse))
        // The mapped form is the same peer as the IPv4 address; other embeddings are not exempt.
        #expect(try policy.verdict(for: #require(IPAddress("::ffff:127.0.0.2"))) == .allowed)
        #expect(try policy.verdict(for: #require(IPAddress("::ffff:127.0.0.1"))) == .refused(.loopback))
        #expect(try policy.verdict(for: #require(IPAddress("64:ff9b::7f00:2"))) == .refused(.loopback))
        #expect(try policy.verdict(for: #require(IPAddress("::1"))) == .refused(.loopback))
    }

    @Test func anyAddressAllowsEverything() throws {
        for (text, _) in AddressClassTests.v4 + AddressClassTests.v6 {
            #expect(try AddressPolicy.anyAddress.verdict(for: #require(IPAddress(text))) == .allowed, "\(text)")
        }
    }
}
