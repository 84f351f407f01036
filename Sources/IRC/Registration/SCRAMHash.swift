import Crypto

/// The hash a SCRAM mechanism is named for, with the primitives RFC 5802 §2.2 builds on:
/// H, HMAC and Hi (PBKDF2 with HMAC as the PRF, one block, since dkLen is the hash length).
public enum SCRAMHash: String, Sendable, Hashable, CaseIterable {
    case sha1 = "SHA-1"
    case sha256 = "SHA-256"

    /// The SASL mechanism name (`SCRAM-SHA-256`); channel binding (`-PLUS`) is not offered.
    public var mechanism: String { "SCRAM-" + rawValue }

    func hash(_ data: [UInt8]) -> [UInt8] {
        switch self {
        case .sha1: return Array(Insecure.SHA1.hash(data: data))
        case .sha256: return Array(SHA256.hash(data: data))
        }
    }

    func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        switch self {
        case .sha1: return Self.hmac(Insecure.SHA1.self, key: key, data)
        case .sha256: return Self.hmac(SHA256.self, key: key, data)
        }
    }

    private static func hmac<H: HashFunction>(_: H.Type, key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<H>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }

    /// Hi(str, salt, i) = U1 ⊕ U2 ⊕ … ⊕ Ui, U1 = HMAC(str, salt ‖ INT(1)), Uk = HMAC(str, Uk-1).
    /// Written here on HMAC so the IRC target needs only `Crypto`, not `_CryptoExtras`.
    func saltedPassword(_ password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        var u = hmac(key: password, salt + [0, 0, 0, 1])
        var result = u
        if iterations > 1 {
            for _ in 2...iterations {
                u = hmac(key: password, u)
                for index in result.indices { result[index] ^= u[index] }
            }
        }
        return result
    }
}
