import Crypto

/// One `tls_fingerprint` value: the SHA-256 of either the server's leaf certificate (DER) or
/// its public key (SubjectPublicKeyInfo DER). Both kinds are compared against both digests of
/// the peer, so the operator need not say which one a pin is: the key pin survives a renewal
/// that keeps the key, the certificate pin does not.
public struct CertificatePin: Sendable, Hashable, CustomStringConvertible {
    /// 32 bytes.
    public let digest: [UInt8]

    public init(digest: [UInt8]) {
        precondition(digest.count == 32, "a SHA-256 digest has 32 bytes")
        self.digest = digest
    }

    /// `sha256:` and 64 hex digits, case-insensitive; colons between the byte pairs are allowed
    /// (`sha256:AB:CD:…`, the shape `openssl x509 -fingerprint -sha256` prints).
    public init(parsing text: String) throws(CertificatePin.ParseError) {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.lowercased().hasPrefix("sha256:") else { throw .missingPrefix(text) }
        // Blanks after the prefix too: `sha256: ` glued to openssl's `(stdin)= abcd…` output.
        let hex = String(trimmed.dropFirst("sha256:".count)).trimmingWhitespace()
        let pairs: [Substring]
        if hex.contains(":") {
            pairs = hex.split(separator: ":", omittingEmptySubsequences: false)
            guard pairs.allSatisfy({ $0.count == 2 }) else { throw .malformedDigits(text) }
        } else {
            guard hex.count % 2 == 0 else { throw .malformedDigits(text) }
            var rest = hex
            var split: [Substring] = []
            while !rest.isEmpty {
                split.append(rest.prefix(2))
                rest = rest.dropFirst(2)
            }
            pairs = split
        }
        var bytes: [UInt8] = []
        for pair in pairs {
            guard pair.allSatisfy(\.isHexDigit), let byte = UInt8(pair, radix: 16) else { throw .malformedDigits(text) }
            bytes.append(byte)
        }
        guard bytes.count == 32 else { throw .wrongLength(text, bytes: bytes.count) }
        self.digest = bytes
    }

    /// The SHA-256 of `bytes` as a pin (what a certificate's or a key's DER hashes to).
    public static func sha256(of bytes: [UInt8]) -> CertificatePin {
        CertificatePin(digest: Array(SHA256.hash(data: bytes)))
    }

    /// `sha256:` and lower-case hex without colons: a form the config accepts back.
    public var description: String {
        "sha256:" + digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case missingPrefix(String)
        case malformedDigits(String)
        case wrongLength(String, bytes: Int)

        public var description: String {
            let expected = "expected \"sha256:\" and 64 hex digits (colons between byte pairs allowed)"
            switch self {
            case .missingPrefix(let text): return "\(expected), found \"\(text.prefix(120))\" (only SHA-256 pins are supported)"
            case .malformedDigits(let text): return "\(expected), found \"\(text.prefix(120))\""
            case .wrongLength(let text, let bytes): return "\(expected), found \(bytes * 2) hex digits in \"\(text.prefix(120))\""
            }
        }
    }
}

/// The two digests of a server's leaf certificate a pin may name.
public struct PeerFingerprints: Sendable, Hashable {
    public var certificate: CertificatePin
    public var publicKey: CertificatePin

    public init(certificate: CertificatePin, publicKey: CertificatePin) {
        self.certificate = certificate
        self.publicKey = publicKey
    }
}

/// The decision when `tls_fingerprint` is set: the pins alone decide whether the server is the
/// one meant (CA chain, expiry and host name are not looked at — a self-signed certificate is
/// the point), and a mismatch is told with everything the operator needs to fix the config.
public struct CertificatePinning: Sendable, Hashable {
    public var pins: [CertificatePin]

    public init(pins: [CertificatePin]) {
        self.pins = pins
    }

    public enum Verdict: Sendable, Hashable {
        case matchedCertificate
        case matchedPublicKey
        /// The sentence for the log and the disconnect reason.
        case refused(String)
    }

    public func verdict(for peer: PeerFingerprints, server: String) -> Verdict {
        if pins.contains(peer.certificate) { return .matchedCertificate }
        if pins.contains(peer.publicKey) { return .matchedPublicKey }
        let expected = pins.map(\.description).joined(separator: " or ")
        return .refused(
            "the TLS certificate of \(server) matches no tls_fingerprint pin (expected \(expected)); "
                + "the server's certificate is \(peer.certificate), its public key \(peer.publicKey). "
                + "Not connecting: if the server's certificate changed on purpose, put one of these into tls_fingerprint")
    }

    /// The sentence when the server sent no certificate at all (TLS always has one; kept so the
    /// callback never has to guess).
    public static func noCertificate(server: String) -> String {
        "\(server) presented no TLS certificate to compare with tls_fingerprint"
    }
}

private extension String {
    func trimmingWhitespace() -> Substring {
        var s = self[...]
        while let first = s.first, first.isWhitespace { s = s.dropFirst() }
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return s
    }
}
