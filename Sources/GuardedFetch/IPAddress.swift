#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as a plain value, so that the address policy can be decided (and
/// tested) without sockets. Parsed strictly: dotted-quad IPv4 and RFC 4291 IPv6 text only, so
/// `127.1` or `0x7f.1` are not literals here — they go to the resolver, whose answer is checked
/// like any other.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    /// The 128 bits as two halves, most significant first.
    case v6(high: UInt64, low: UInt64)

    public init?(_ text: String) {
        if text.contains(":") {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
            self = IPAddress(v6Bytes: withUnsafeBytes(of: &raw) { Array($0) })
        } else {
            var raw = in_addr()
            guard inet_pton(AF_INET, text, &raw) == 1 else { return nil }
            self = .v4(UInt32(bigEndian: raw.s_addr))
        }
    }

    /// `bytes` in network order: 4 for IPv4, 16 for IPv6.
    public init(v6Bytes bytes: [UInt8]) {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        self = .v6(high: high, low: low)
    }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self = .v4(UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
    }

    public var isV4: Bool { if case .v4 = self { true } else { false } }

    /// The address's bits left-aligned in 128 bits, with its width (32 or 128), for prefix tests.
    var bits: (high: UInt64, low: UInt64, width: Int) {
        switch self {
        case .v4(let value): (UInt64(value) << 32, 0, 32)
        case .v6(let high, let low): (high, low, 128)
        }
    }

    /// The text a URL host or `SocketAddress(ipAddress:)` takes (IPv6 without brackets).
    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
        case .v6(let high, let low):
            var raw = in6_addr()
            withUnsafeMutableBytes(of: &raw) { buffer in
                for i in 0..<8 {
                    buffer[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * i))
                    buffer[8 + i] = UInt8(truncatingIfNeeded: low >> (56 - 8 * i))
                }
            }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)) != nil else { return "?" }
            return String(cString: text)
        }
    }
}
