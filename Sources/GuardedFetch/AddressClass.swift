/// What kind of address an IP address is, as far as fetching on a user's behalf goes. Only
/// `.global` may be connected to unless the operator allows the address's network; every other
/// class names why a fetch there is refused (it reaches this machine, the operator's LAN or
/// cloud metadata, or is not a unicast host on the Internet at all).
public enum AddressClass: String, Hashable, Sendable, CaseIterable {
    case global
    case loopback          // 127/8, ::1
    case privateUse        // RFC 1918, fc00::/7 (ULA), fec0::/10 (old site-local), 64:ff9b:1::/48
    case sharedAddress     // 100.64/10, carrier-grade NAT: the operator's provider network
    case linkLocal         // 169.254/16 (cloud metadata lives here), fe80::/10
    case multicast         // 224/4, ff00::/8
    case unspecified       // 0/8 ("this network"), ::
    case broadcast         // 255.255.255.255
    case documentation     // 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32
    case benchmarking      // 198.18/15, 2001:2::/48
    case reserved          // 240/4, 192.0.0/24, 192.88.99/24, 100::/64, ::/96 (IPv4-compatible), outside 2000::/3

    /// Classifies an address. IPv6 forms that carry an IPv4 address — mapped `::ffff:a.b.c.d`,
    /// compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, Teredo `2001::/32` — are
    /// classified by the IPv4 address they lead to, because that is where the packets end up.
    public init(_ address: IPAddress) {
        switch address {
        case .v4(let value):
            self = Self.classifyV4(value)
        case .v6(let high, let low):
            self = Self.classifyV6(high: high, low: low)
        }
    }

    public var isGlobal: Bool { self == .global }

    private static let v4Table: [(IPNetwork, AddressClass)] = [
        ("0.0.0.0/8", .unspecified),
        ("10.0.0.0/8", .privateUse),
        ("100.64.0.0/10", .sharedAddress),
        ("127.0.0.0/8", .loopback),
        ("169.254.0.0/16", .linkLocal),
        ("172.16.0.0/12", .privateUse),
        ("192.0.0.0/24", .reserved),
        ("192.0.2.0/24", .documentation),
        ("192.88.99.0/24", .reserved),
        ("192.168.0.0/16", .privateUse),
        ("198.18.0.0/15", .benchmarking),
        ("198.51.100.0/24", .documentation),
        ("203.0.113.0/24", .documentation),
        ("224.0.0.0/4", .multicast),
        ("255.255.255.255/32", .broadcast),
        ("240.0.0.0/4", .reserved),
    ]

    private static let v6Table: [(IPNetwork, AddressClass)] = [
        ("64:ff9b:1::/48", .privateUse),   // RFC 8215 local-use NAT64: the operator's own translator
        ("100::/64", .reserved),           // discard-only
        ("2001:2::/48", .benchmarking),
        ("2001:db8::/32", .documentation),
        ("fc00::/7", .privateUse),
        ("fe80::/10", .linkLocal),
        ("fec0::/10", .privateUse),
        ("ff00::/8", .multicast),
    ]

    private static func classifyV4(_ value: UInt32) -> AddressClass {
        let address = IPAddress.v4(value)
        return v4Table.first { $0.0.contains(address) }?.1 ?? .global
    }

    private static func classifyV6(high: UInt64, low: UInt64) -> AddressClass {
        let embedded = UInt32(truncatingIfNeeded: low)
        if high == 0 {
            if low == 0 { return .unspecified }
            if low == 1 { return .loopback }
            // ::ffff:a.b.c.d is how a dual-stack socket writes an IPv4 peer.
            if low >> 32 == 0xffff { return classifyV4(embedded) }
            // ::a.b.c.d (deprecated IPv4-compatible): refused either way, named by its target.
            if low >> 32 == 0 {
                let target = classifyV4(embedded)
                return target == .global ? .reserved : target
            }
        }
        // 64:ff9b::/96, the well-known NAT64 prefix: a translator connects to the embedded v4.
        if high == 0x0064_ff9b_0000_0000, low >> 32 == 0 { return classifyV4(embedded) }
        // 2002:a.b.c.d::/48, 6to4: the tunnel ends at the embedded v4.
        if high >> 48 == 0x2002 { return classifyV4(UInt32(truncatingIfNeeded: high >> 16)) }
        // 2001:0::/32, Teredo: the server is in bits 32-63, the client is the last 32 bits inverted.
        if high >> 32 == 0x2001_0000 {
            let server = classifyV4(UInt32(truncatingIfNeeded: high))
            let client = classifyV4(~embedded)
            return server != .global ? server : client
        }
        let address = IPAddress.v6(high: high, low: low)
        if let listed = v6Table.first(where: { $0.0.contains(address) }) { return listed.1 }
        // Global unicast is 2000::/3; everything else is unassigned or special.
        return high >> 61 == 0b001 ? .global : .reserved
    }
}
