import Crypto
import Foundation

/// The name of a blob: the SHA-256 of its bytes as 64 lower-case hex digits. A store names its
/// files (or objects, or rows) from this alone, so nothing a user typed ever becomes a path.
public struct BlobDigest: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let hex: String

    /// Only 64 lower-case hex digits: anything else (a path, an upper-case variant that would
    /// name the same file twice on a case-insensitive disk) is no digest.
    public init?(hex: String) {
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            return nil
        }
        self.hex = hex
    }

    public init(of bytes: some DataProtocol) {
        let digest = SHA256.hash(data: bytes)
        self.hex = digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    public var description: String { hex }

    public static func < (lhs: BlobDigest, rhs: BlobDigest) -> Bool { lhs.hex < rhs.hex }
}
