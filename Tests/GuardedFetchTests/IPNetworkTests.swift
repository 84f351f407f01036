import Testing
import GuardedFetch

@Suite struct IPNetworkTests {
    @Test func parsesAndContains() throws {
        let net = try IPNetwork(parsing: "10.1.2.0/24")
        #expect(net.contains(IPAddress(10, 1, 2, 0)) && net.contains(IPAddress(10, 1, 2, 255)))
        #expect(!net.contains(IPAddress(10, 1, 3, 0)) && !net.contains(IPAddress(10, 1, 1, 255)))
        #expect(try !net.contains(#require(IPAddress("::ffff:10.1.2.3"))), "families never mix")
        let v6 = try IPNetwork(parsing: "fd00::/8")
        #expect(try v6.contains(#require(IPAddress("fdff:1::2"))) && !v6.contains(#require(IPAddress("fe00::1"))))
        let wide = try IPNetwork(parsing: "2001:db8:1:2::/65")
        #expect(try wide.contains(#require(IPAddress("2001:db8:1:2:7fff::1"))))
        #expect(try !wide.contains(#require(IPAddress("2001:db8:1:2:8000::1"))))
    }

    @Test func edges() throws {
        #expect(try IPNetwork(parsing: "0.0.0.0/0").contains(IPAddress(255, 255, 255, 255)))
        #expect(try IPNetwork(parsing: "::/0").contains(try #require(IPAddress("ffff::1"))))
        #expect(try IPNetwork(parsing: "127.0.0.2") == IPNetwork(parsing: "127.0.0.2/32"))
        #expect(try IPNetwork(parsing: "::1").prefixLength == 128)
        let host = try IPNetwork(parsing: "127.0.0.2/32")
        #expect(host.contains(IPAddress(127, 0, 0, 2)) && !host.contains(IPAddress(127, 0, 0, 1)))
    }

    @Test func refusesBadText() {
        #expect(throws: IPNetwork.ParseError.notAnAddress("intranet/8")) { try IPNetwork(parsing: "intranet/8") }
        #expect(throws: IPNetwork.ParseError.badPrefix("10.0.0.0/33")) { try IPNetwork(parsing: "10.0.0.0/33") }
        #expect(throws: IPNetwork.ParseError.badPrefix("::/129")) { try IPNetwork(parsing: "::/129") }
        #expect(throws: IPNetwork.ParseError.badPrefix("10.0.0.0/")) { try IPNetwork(parsing: "10.0.0.0/") }
        #expect(throws: IPNetwork.ParseError.badPrefix("10.0.0.0/+8")) { try IPNetwork(parsing: "10.0.0.0/+8") }
        #expect(throws: IPNetwork.ParseError.hostBitsSet("10.1.2.3/24", suggestion: "10.1.2.0/24")) { try IPNetwork(parsing: "10.1.2.3/24") }
        #expect(throws: IPNetwork.ParseError.hostBitsSet("fd00::1/8", suggestion: "fd00::/8")) { try IPNetwork(parsing: "fd00::1/8") }
    }
}
