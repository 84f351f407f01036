import Testing
import GuardedFetch

@Suite struct IPAddressTests {
    @Test func parsesOnlyStrictLiterals() {
        #expect(IPAddress("127.0.0.1") == .v4(0x7f00_0001))
        #expect(IPAddress("::1") == .v6(high: 0, low: 1))
        #expect(IPAddress("::ffff:127.0.0.1") == .v6(high: 0, low: 0xffff_7f00_0001))
        #expect(IPAddress("2001:db8::ff00:42:8329") == .v6(high: 0x2001_0db8_0000_0000, low: 0x0000_ff00_0042_8329))
        // Forms some resolvers accept are not literals here; getaddrinfo's answer is checked instead.
        for text in ["127.1", "0x7f.0.0.1", "2130706433", "017700000001", "127.0.0.1.", "[::1]", "fe80::1%eth0", "", "localhost", "1.2.3.256"] {
            #expect(IPAddress(text) == nil, "\(text)")
        }
    }

    @Test func printsCanonicalText() throws {
        for text in ["0.0.0.0", "255.255.255.255", "10.1.2.3", "::", "::1", "fe80::1", "2001:db8::1", "::ffff:127.0.0.1", "64:ff9b::a00:1"] {
            #expect(try #require(IPAddress(text)).description == text)
        }
        #expect(IPAddress(192, 168, 1, 7).description == "192.168.1.7")
    }
}
