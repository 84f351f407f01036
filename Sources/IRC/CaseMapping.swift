/// How a network folds the case of nicks and channel names (ISUPPORT `CASEMAPPING`).
///
/// Only ASCII is folded; other bytes compare exactly, which is what the servers do for these
/// mappings. Every nick or channel comparison in the bot goes through one of these.
public enum CaseMapping: String, Sendable, Hashable, CaseIterable {
    /// `A-Z` → `a-z` only.
    case ascii
    /// ASCII plus `[]\~` → `{}|^` (the Scandinavian heritage of RFC 1459). The default.
    case rfc1459
    /// ASCII plus `[]\` → `{}|`, without `~` → `^`.
    case strictRFC1459 = "strict-rfc1459"

    /// The mapping for an ISUPPORT value; unknown names (e.g. `rfc7613`) fall back to `.rfc1459`,
    /// which folds at least as much ASCII as any of them.
    public init(isupportValue value: String) {
        self = CaseMapping(rawValue: value.lowercased()) ?? .rfc1459
    }

    /// The folded form of one byte.
    @inlinable
    public func fold(_ byte: UInt8) -> UInt8 {
        switch byte {
        case 0x41...0x5A: // A-Z
            return byte + 0x20
        case 0x5B...0x5D where self != .ascii: // [ \ ]
            return byte + 0x20
        case 0x7E where self == .rfc1459: // ~
            return 0x5E
        default:
            return byte
        }
    }

    /// The folded form of a nick or channel name, e.g. for use as a dictionary key.
    public func lowercased(_ name: String) -> String {
        guard name.utf8.contains(where: { fold($0) != $0 }) else { return name }
        // Folding maps ASCII to ASCII, so the UTF-8 stays valid.
        return String(decoding: name.utf8.map(fold), as: UTF8.self)
    }

    /// Whether two names are the same nick or channel under this mapping (no allocation).
    public func equal(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        return zip(a.utf8, b.utf8).allSatisfy { fold($0) == fold($1) }
    }
}
