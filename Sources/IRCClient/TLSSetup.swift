import NIOCore
import NIOSSL

/// Builds the TLS client context for a network: system trust store plus `caFile`, full
/// certificate and hostname verification unless the user switched it off, and the client
/// certificate for CertFP / SASL EXTERNAL.
enum TLSSetup {
    static func makeContext(for configuration: IRCConnectionConfiguration) throws(IRCClientError) -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = configuration.tlsVerify ? .fullVerification : .none
        do {
            if let caFile = configuration.caFile {
                tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
            }
            switch (configuration.clientCertificate, configuration.clientKey) {
            case (let cert?, let key?):
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            case (nil, nil):
                break
            default:
                throw IRCClientError.tlsSetup("client_cert and client_key must be given together")
            }
            return try NIOSSLContext(configuration: tls)
        } catch let error as IRCClientError {
            throw error
        } catch {
            throw IRCClientError.tlsSetup("\(error) (ca_file: \(configuration.caFile ?? "-"), client_cert: \(configuration.clientCertificate ?? "-"))")
        }
    }

    /// SNI and hostname verification need a name; for an IP literal NIOSSL checks the peer
    /// address instead, and SNI must be left out.
    static func serverHostname(for host: String) -> String? {
        if (try? SocketAddress(ipAddress: host, port: 0)) != nil { return nil }
        return host
    }
}
