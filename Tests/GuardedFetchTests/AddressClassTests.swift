import Testing
import GuardedFetch

/// Every range the policy refuses, at its edges, in every IPv6 disguise of an IPv4 address.
@Suite struct AddressClassTests {
    static let v4: [(String, AddressClass)] = [
        ("0.0.0.0", .unspecified), ("0.255.255.255", .unspecified),
        ("1.0.0.0", .global), ("8.8.8.8", .global), ("9.255.255.255", .global),
        ("10.0.0.0", .privateUse), ("10.255.255.255", .privateUse), ("11.0.0.0", .global),
        ("100.63.255.255", .global), ("100.64.0.0", .sharedAddress), ("100.127.255.255", .sharedAddress), ("100.128.0.0", .global),
        ("126.255.255.255", .global), ("127.0.0.1", .loopback), ("127.0.0.2", .loopback), ("127.255.255.255", .loopback), ("128.0.0.0", .global),
        ("169.253.255.255", .global), ("169.254.0.0", .linkLocal), ("169.254.169.254", .linkLocal), ("169.255.0.0", .global),
        ("172.15.255.255", .global), ("172.16.0.0", .privateUse), ("172.31.255.255", .privateUse), ("172.32.0.0", .global),
        ("192.0.0.8", .reserved), ("192.0.1.0", .global), ("192.0.2.1", .documentation), ("192.0.3.0", .global),
        ("192.88.99.1", .reserved),
        ("192.167.255.255", .global), ("192.168.0.0", .privateUse), ("192.168.255.255", .privateUse), ("192.169.0.0", .global),
        ("198.17.255.255", .global), ("198.18.0.0", .benchmarking), ("198.19.255.255", .benchmarking), ("198.20.0.0", .global),
        ("198.51.100.7", .documentation), ("203.0.113.255", .documentation),
        ("223.255.255.255", .global), ("224.0.0.1", .multicast), ("239.255.255.255", .multicast),
        ("240.0.0.0", .reserved), ("255.255.255.254", .reserved), ("255.255.255.255", .broadcast),
    ]

    static let v6: [(String, AddressClass)] = [
        ("::", .unspecified), ("::1", .loopback), ("::2", .unspecified),
        ("2001:4860:4860::8888", .global), ("2606:4700::1111", .global), ("3fff:ffff::1", .global),
        ("fc00::1", .privateUse), ("fd12:3456::1", .privateUse), ("fbff::1", .reserved),
        ("fe80::1", .linkLocal), ("febf:ffff::1", .linkLocal), ("fec0::1", .privateUse),
        ("ff02::1", .multicast), ("ff0e::1", .multicast),
        ("2001:db8::1", .documentation), ("2001:2::1", .benchmarking), ("100::1", .reserved),
        ("64:ff9b:1::a00:1", .privateUse), ("4000::1", .reserved), ("1fff::1", .reserved), ("::ffff:0:0", .unspecified),
    ]

    @Test(arguments: v4) func ipv4(_ text: String, _ expected: AddressClass) throws {
        #expect(try AddressClass(#require(IPAddress(text))) == expected, "\(text)")
    }

    @Test(arguments: v6) func ipv6(_ text: String, _ expected: AddressClass) throws {
        #expect(try AddressClass(#require(IPAddress(text))) == expected, "\(text)")
    }

    /// Each IPv4 case again, as the IPv6 forms that lead to it: mapped, NAT64, 6to4 and Teredo
    /// take the class of the embedded address; the deprecated compatible form is refused even
    /// when the embedded address is global.
    @Test(arguments: v4) func ipv6FormsCarryTheirIPv4Class(_ text: String, _ expected: AddressClass) throws {
        guard case .v4(let value) = try #require(IPAddress(text)) else { Issue.record("not v4"); return }
        let hex = String(value >> 16, radix: 16) + ":" + String(value & 0xffff, radix: 16)
        let forms: [(String, AddressClass)] = [
            ("::ffff:\(text)", expected),
            ("::ffff:\(hex)", expected),
            ("64:ff9b::\(text)", expected),
            ("2002:\(hex)::1", expected),
            // Teredo with this address as server and (stored inverted) as client.
            ("2001:0:\(hex):0:0:\(String((~value) >> 16, radix: 16)):\(String((~value) & 0xffff, radix: 16))", expected),
        ]
        for (form, formExpected) in forms {
            #expect(try AddressClass(#require(IPAddress(form), "\(form)")) == formExpected, "\(form)")
        }
        // ::a.b.c.d (IPv4-compatible); ::0.0.0.0 and ::0.0.0.1 are :: and ::1 themselves.
        if value > 1 {
            let compatible = AddressClass(try #require(IPAddress("::\(text)")))
            #expect(compatible == (expected == .global ? .reserved : expected), "::\(text)")
        }
    }

    @Test func teredoIsRefusedForEitherEnd() throws {
        // Server 8.8.8.8, client 127.0.0.1 (stored inverted: 80ff:fffe).
        #expect(try AddressClass(#require(IPAddress("2001:0:808:808::80ff:fffe"))) == .loopback)
        // Server 10.0.0.1, client 8.8.8.8 (inverted f7f7:f7f7).
        #expect(try AddressClass(#require(IPAddress("2001:0:a00:1::f7f7:f7f7"))) == .privateUse)
        #expect(try AddressClass(#require(IPAddress("2001:0:808:808::f7f7:f7f7"))) == .global)
    }

    @Test func onlyGlobalIsGlobal() {
        #expect(AddressClass.allCases.filter(\.isGlobal) == [.global])
    }
}
