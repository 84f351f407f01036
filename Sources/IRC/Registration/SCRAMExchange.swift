import Foundation

/// The client side of one SCRAM exchange (RFC 5802, RFC 7677 for SHA-256) as a value:
/// client-first → server-first → client-final → server-final. No channel binding (`n,,`).
///
/// Usernames and passwords are used as their UTF-8 bytes without SASLprep; for the ASCII
/// accounts IRC services hand out that is the same thing.
public struct SCRAMExchange: Sendable {
    /// Why an exchange cannot go on, worded for the log. Secrets never appear in it.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// The server's message is not SCRAM as RFC 5802 writes it.
        case malformed(String)
        /// The server's nonce does not begin with ours (a replayed or foreign exchange).
        case nonceMismatch
        /// The iteration count is outside what we accept (see `acceptedIterations`).
        case iterationCount(Int)
        /// The server ended the exchange with `e=<error>`.
        case serverError(String)
        /// The server's `v=` does not match: it cannot prove it knows the password.
        case serverSignatureMismatch
        /// A message arrived when the exchange was not waiting for one.
        case unexpectedMessage

        public var description: String {
            switch self {
            case .malformed(let why): return "malformed SCRAM message from the server (\(why))"
            case .nonceMismatch: return "the server's SCRAM nonce does not extend ours"
            case .iterationCount(let count):
                return "SCRAM iteration count \(count) is outside \(SCRAMExchange.acceptedIterations)"
            case .serverError(let text): return "the server reported SCRAM error '\(text)'"
            case .serverSignatureMismatch:
                return "the server's SCRAM signature is wrong: it could not prove it knows the password"
            case .unexpectedMessage: return "unexpected SCRAM message from the server"
            }
        }
    }

    /// At least 1 (RFC 7677 asks servers for 4096 or more, but servers with fewer exist and
    /// Limnoria/WeeChat accept them); at most 100 000, so a hostile server cannot make the
    /// connection's event loop spin for seconds on PBKDF2.
    public static let acceptedIterations = 1...100_000

    enum State: Sendable, Hashable {
        case start
        case clientFirstSent
        /// Client-final sent; the server must answer with this signature.
        case clientFinalSent(expectedServerSignature: [UInt8])
        case verified
        case failed
    }

    public let hash: SCRAMHash
    private let username: String
    private let password: String
    private let clientNonce: String
    private(set) var state: State = .start
    /// The iteration count the server asked for, once known (weak counts are worth a log line).
    public private(set) var iterations: Int?

    public init(hash: SCRAMHash, username: String, password: String, clientNonce: String) {
        self.hash = hash
        self.username = username
        self.password = password
        self.clientNonce = clientNonce
    }

    /// True once the server's signature matched.
    public var isVerified: Bool { state == .verified }

    /// 24 bytes from the system CSPRNG, base64 (printable, never a comma) — 192 bits.
    public static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return randomNonce(using: &generator)
    }

    public static func randomNonce(using generator: inout some RandomNumberGenerator) -> String {
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
    }

    /// `saslname` escaping of RFC 5802 §5.1: `=` → `=3D`, `,` → `=2C`.
    static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
    }

    private var clientFirstBare: String { "n=\(Self.escape(username)),r=\(clientNonce)" }
    /// No channel binding and no authorization identity.
    private static let gs2Header = "n,,"

    public mutating func clientFirst() -> String {
        state = .clientFirstSent
        return Self.gs2Header + clientFirstBare
    }

    /// Reads server-first (`r=…,s=…,i=…`) and returns client-final with the proof.
    public mutating func clientFinal(serverFirst: String) throws(Failure) -> String {
        guard state == .clientFirstSent else { throw fail(.unexpectedMessage) }
        let fields = try attributes(serverFirst)
        if fields.first?.key == "m" { throw fail(.malformed("mandatory extension not supported")) }
        guard fields.count >= 3, fields[0].key == "r", fields[1].key == "s", fields[2].key == "i" else {
            if let error = fields.first(where: { $0.key == "e" }) { throw fail(.serverError(error.value)) }
            throw fail(.malformed("expected r=, s=, i="))
        }
        let nonce = fields[0].value
        guard nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else { throw fail(.nonceMismatch) }
        guard let salt = Data(base64Encoded: fields[1].value), !salt.isEmpty else {
            throw fail(.malformed("salt is not base64"))
        }
        guard let count = Int(fields[2].value) else { throw fail(.malformed("iteration count is not a number")) }
        guard Self.acceptedIterations.contains(count) else { throw fail(.iterationCount(count)) }
        iterations = count

        let withoutProof = "c=\(Data(Self.gs2Header.utf8).base64EncodedString()),r=\(nonce)"
        let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let salted = hash.saltedPassword(Array(password.utf8), salt: Array(salt), iterations: count)
        let clientKey = hash.hmac(key: salted, Array("Client Key".utf8))
        let clientSignature = hash.hmac(key: hash.hash(clientKey), authMessage)
        let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
        let serverKey = hash.hmac(key: salted, Array("Server Key".utf8))
        state = .clientFinalSent(expectedServerSignature: hash.hmac(key: serverKey, authMessage))
        return "\(withoutProof),p=\(Data(proof).base64EncodedString())"
    }

    /// Reads server-final (`v=…` or `e=…`); returns normally only when the signature matches.
    public mutating func verify(serverFinal: String) throws(Failure) {
        guard case .clientFinalSent(let expected) = state else { throw fail(.unexpectedMessage) }
        let fields = try attributes(serverFinal)
        guard let first = fields.first else { throw fail(.malformed("empty server-final")) }
        switch first.key {
        case "e":
            throw fail(.serverError(first.value))
        case "v":
            guard let signature = Data(base64Encoded: first.value) else {
                throw fail(.malformed("signature is not base64"))
            }
            // Constant time is not needed: the expected value is no secret once the server has
            // sent its own, and we stop after one try.
            guard Array(signature) == expected else { throw fail(.serverSignatureMismatch) }
            state = .verified
        default:
            throw fail(.malformed("expected v= or e="))
        }
    }

    private mutating func fail(_ failure: Failure) -> Failure {
        state = .failed
        return failure
    }

    /// `a=value,b=value`; a value may itself contain `=` (base64 padding), never a comma.
    private mutating func attributes(_ message: String) throws(Failure) -> [(key: String, value: String)] {
        var result: [(key: String, value: String)] = []
        for part in message.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2, pieces[0].count == 1 else { throw fail(.malformed("attribute '\(part.prefix(20))'")) }
            result.append((String(pieces[0]), String(pieces[1])))
        }
        return result
    }
}
