/// A CIDR block such as `10.1.2.0/24` or `fd00::/8`: the operator's `[images] allow_networks`
/// entries, and the ranges the address policy refuses.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// Why a CIDR string was refused; `description` is fit for a config error.
    public enum ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        case notAnAddress(String)
        case badPrefix(String)
        case hostBitsSet(String, suggestion: String)

        public var description: String {
            switch self {
            case .notAnAddress(let text): "'\(text)' is not an IPv4 or IPv6 network (expected e.g. \"10.1.2.0/24\" or \"fd00::/8\")"
            case .badPrefix(let text): "'\(text)' has an invalid prefix length (0-32 for IPv4, 0-128 for IPv6)"
            case .hostBitsSet(let text, let suggestion): "'\(text)' has bits set after the prefix; did you mean \"\(suggestion)\"?"
            }
        }
    }

    /// `a.b.c.d/n` or `v6/n`; a bare address means the single host (/32 or /128). Host bits
    /// after the prefix are refused rather than silently cleared: `10.1.2.3/8` is more likely a
    /// typo than a wish to allow all of 10/8.
    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { throw .notAnAddress(text) }
        let width = address.bits.width
        var length = width
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isNumber),
                  parts[1].count <= 3, let n = Int(parts[1]), n <= width else { throw .badPrefix(text) }
            length = n
        }
        let network = IPNetwork(uncheckedAddress: address, prefixLength: length)
        guard network.address == address else { throw .hostBitsSet(text, suggestion: network.description) }
        self = network
    }

    /// The block of `prefixLength` leading bits of `address` (the rest cleared).
    public init(uncheckedAddress address: IPAddress, prefixLength: Int) {
        self.prefixLength = prefixLength
        let (high, low, _) = address.bits
        let (maskHigh, maskLow) = Self.mask(prefixLength)
        switch address {
        case .v4: self.address = .v4(UInt32(truncatingIfNeeded: (high & maskHigh) >> 32))
        case .v6: self.address = .v6(high: high & maskHigh, low: low & maskLow)
        }
    }

    /// True when `candidate` is of the same family and starts with this block's prefix.
    public func contains(_ candidate: IPAddress) -> Bool {
        guard candidate.isV4 == address.isV4 else { return false }
        let (mh, ml) = Self.mask(prefixLength)
        let (ch, cl, _) = candidate.bits
        let (nh, nl, _) = address.bits
        return ch & mh == nh && cl & ml == nl
    }

    public var description: String { "\(address)/\(prefixLength)" }

    private static func mask(_ length: Int) -> (UInt64, UInt64) {
        let high: UInt64 = length <= 0 ? 0 : length >= 64 ? ~0 : ~0 << (64 - length)
        let low: UInt64 = length <= 64 ? 0 : length >= 128 ? ~0 : ~0 << (128 - length)
        return (high, low)
    }
}

extension IPNetwork: ExpressibleByStringLiteral {
    /// For the fixed tables in code; a bad literal is a programming error.
    public init(stringLiteral text: String) {
        do { try self.init(parsing: text) } catch { preconditionFailure("bad network literal: \(error)") }
    }
}
