import Crypto
import Foundation

/// The key that signs the route `state` sent with each task. It is derived from the callback
/// path secret with HKDF-SHA256 under a fixed label, so the secret itself never travels in a
/// state (the proxy echoes states back in every task JSON) and a state signature says nothing
/// about the path secret. The same secret gives the same key after a restart, so a task
/// accepted before a crash can still be adopted after it.
public struct RouteStateKey: Sendable {
    /// MACs are HMAC-SHA256 cut to this many bytes: 128 bits, 22 base64url characters.
    static let macBytes = 16
    private let key: SymmetricKey

    public init(callbackSecret: String) {
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(callbackSecret.utf8)),
                                     salt: Data("mjbridge".utf8), info: Data("mjbridge route state mac v2".utf8),
                                     outputByteCount: 32)
    }

    /// The truncated MAC of `message`.
    func mac(_ message: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key).prefix(Self.macBytes))
    }

    /// True when `given` is the MAC of `message`. Every byte is compared whatever the earlier
    /// ones were, so the time taken does not tell a forger how much of a guess was right.
    func isValid(_ given: [UInt8], for message: String) -> Bool {
        let expected = mac(message)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0
    }
}
