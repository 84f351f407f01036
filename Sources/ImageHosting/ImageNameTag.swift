import Crypto
import Foundation

/// The unguessable part of a public image name: 6 base32 characters (30 bits) of an
/// HMAC-SHA256 of the task id under a random key made once per install and kept in the
/// database.
///
/// Why: short references are 4–6 digits and task ids are timestamps, so without the tag anyone
/// could walk `/i/0000.png` … `/i/9999.png` and see every result, including those made in
/// private messages. With it, a name is only known to whoever saw the link; 2^30 guesses per
/// ref are not practical against an HTTP server (and each miss is a 404 in the log).
public struct ImageNameTag: Sendable {
    public static let length = 6
    /// RFC 4648 base32, lower-case (no 0/1/8/9: nothing to confuse with the digits of refs).
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    private let key: SymmetricKey

    /// `keyHex`: the install's key as hex (at least 16 bytes).
    public init?(keyHex: String) {
        guard keyHex.utf8.count >= 32, keyHex.utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = keyHex.startIndex
        while index < keyHex.endIndex {
            let next = keyHex.index(index, offsetBy: 2)
            guard let byte = UInt8(keyHex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        key = SymmetricKey(data: bytes)
    }

    /// 256 random bits as hex, for a new install.
    public static func generateKeyHex<G: RandomNumberGenerator>(using generator: inout G) -> String {
        (0..<32).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }

    public func tag(forTask taskId: String) -> String {
        let mac = Array(HMAC<SHA256>.authenticationCode(for: Array(taskId.utf8), using: key))
        // The first 30 bits, five at a time.
        let bits = UInt64(mac[0]) << 32 | UInt64(mac[1]) << 24 | UInt64(mac[2]) << 16 | UInt64(mac[3]) << 8 | UInt64(mac[4])
        return String(decoding: (0..<Self.length).map { i in Self.alphabet[Int((bits >> (35 - 5 * UInt64(i))) & 31)] }, as: UTF8.self)
    }

    static func isTagByte(_ byte: UInt8) -> Bool {
        (0x61...0x7A).contains(byte) || (0x32...0x37).contains(byte)
    }
}
