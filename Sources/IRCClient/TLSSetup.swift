import Foundation
import NIOCore
import NIOSSL

/// Builds the TLS client context for a network: system trust store plus `caFile`, full
/// certificate and hostname verification unless the user switched it off, and the client
/// certificate for CertFP / SASL EXTERNAL. With `tlsFingerprints`, the pins decide instead.
enum TLSSetup {
    static func makeContext(for configuration: IRCConnectionConfiguration) throws(IRCClientError) -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if !configuration.tlsFingerprints.isEmpty {
            // The pin callback replaces BoringSSL's chain check, but NIOSSL calls it only when
            // verification is on, and checks the host name after the handshake unless told not
            // to: with a pin, neither the CA nor the name is required.
            tls.certificateVerification = .noHostnameVerification
        } else {
            tls.certificateVerification = configuration.tlsVerify ? .fullVerification : .none
        }
        if let caFile = configuration.caFile {
            let roots = try load("ca_file", caFile) { try NIOSSLCertificate.fromPEMFile($0) }
            tls.additionalTrustRoots = [.certificates(roots)]
        }
        switch (configuration.clientCertificate, configuration.clientKey) {
        case (let cert?, let key?):
            tls.certificateChain = try load("client_cert", cert) { try NIOSSLCertificate.fromPEMFile($0) }.map { .certificate($0) }
            tls.privateKey = .privateKey(try load("client_key", key) { try NIOSSLPrivateKey(file: $0, format: .pem) })
        case (nil, nil):
            break
        default:
            throw .tlsSetup("client_cert and client_key must be given together")
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw .tlsSetup("\(error) (ca_file: \(configuration.caFile ?? "-"), client_cert: \(configuration.clientCertificate ?? "-"))")
        }
    }

    /// The TLS handler of one connection. With pins, a custom verification callback compares
    /// the leaf certificate's digests with them; a refusal's sentence goes into `refusal` (read
    /// on the same event loop when the handshake error arrives) so the client can tell a pin
    /// mismatch — a configuration matter — from a network failure.
    static func clientHandler(
        context: NIOSSLContext, serverHostname: String?, pins: [CertificatePin],
        server: String, refusal: NIOLoopBoundBox<String?>
    ) throws -> NIOSSLClientHandler {
        guard !pins.isEmpty else {
            return try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
        }
        let pinning = CertificatePinning(pins: pins)
        return try NIOSSLClientHandler(context: context, serverHostname: serverHostname, customVerificationCallback: { certificates, promise in
            guard let leaf = certificates.first, let peer = try? TLSSetup.fingerprints(of: leaf) else {
                refusal.value = CertificatePinning.noCertificate(server: server)
                promise.succeed(.failed)
                return
            }
            switch pinning.verdict(for: peer, server: server) {
            case .matchedCertificate, .matchedPublicKey:
                promise.succeed(.certificateVerified)
            case .refused(let sentence):
                refusal.value = sentence
                promise.succeed(.failed)
            }
        })
    }

    /// SHA-256 of the certificate's DER and of its SubjectPublicKeyInfo DER.
    static func fingerprints(of certificate: NIOSSLCertificate) throws -> PeerFingerprints {
        PeerFingerprints(
            certificate: .sha256(of: try certificate.toDERBytes()),
            publicKey: .sha256(of: try certificate.extractPublicKey().toSPKIBytes()))
    }

    /// Reads one PEM file, naming the setting and the file when that fails.
    private static func load<T>(_ setting: String, _ path: String, _ read: (String) throws -> T) throws(IRCClientError) -> T {
        guard FileManager.default.isReadableFile(atPath: path) else {
            let problem = FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file"
            throw .tlsSetup("cannot read \(setting) \(path): \(problem)")
        }
        do {
            return try read(path)
        } catch {
            throw .tlsSetup("\(setting) \(path) is not a usable PEM file (\(error))")
        }
    }

    /// SNI and hostname verification need a name; for an IP literal NIOSSL checks the peer
    /// address instead, and SNI must be left out.
    static func serverHostname(for host: String) -> String? {
        if (try? SocketAddress(ipAddress: host, port: 0)) != nil { return nil }
        return host
    }
}
