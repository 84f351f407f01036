/// Which addresses a fetch may connect to: global unicast ones, plus whatever the operator
/// exempts with `allow_networks` (an internal image host, or the demo's loopback simulator).
public struct AddressPolicy: Hashable, Sendable {
    public var allowedNetworks: [IPNetwork]

    public init(allowedNetworks: [IPNetwork] = []) {
        self.allowedNetworks = allowedNetworks
    }

    /// Nothing refused: loopback, private and everything else allowed. For callers that fetch
    /// from a host the operator configured themselves, never for user input.
    public static let anyAddress = AddressPolicy(allowedNetworks: ["0.0.0.0/0", "::/0"])

    public enum Verdict: Hashable, Sendable {
        case allowed
        case refused(AddressClass)
    }

    /// `.allowed` for a global address or one inside an allowed network. An IPv4-mapped IPv6
    /// address is also matched against the IPv4 networks, since it is the same peer.
    public func verdict(for address: IPAddress) -> Verdict {
        let kind = AddressClass(address)
        if kind.isGlobal { return .allowed }
        var candidates = [address]
        if case .v6(high: 0, low: let low) = address, low >> 32 == 0xffff {
            candidates.append(.v4(UInt32(truncatingIfNeeded: low)))
        }
        for network in allowedNetworks where candidates.contains(where: network.contains) {
            return .allowed
        }
        return .refused(kind)
    }
}
