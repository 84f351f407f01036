import GuardedFetch
import NIOSSL
import Synchronization
import Testing

/// HTTPS through the guarded fetcher against a loopback server whose certificate (for
/// localhost, 127.0.0.1 and ::1) comes from a throwaway CA: verified against the URL's name or
/// IP literal, refused when untrusted or for another address, and no downgrade to plain http.
@Suite(.enabled(if: TestCertificates.openSSLAvailable, "needs /usr/bin/openssl for the throwaway CA"))
struct GuardedFetcherTLSTests {
    static let loopback: [IPNetwork] = ["127.0.0.0/8", "::1/128"]

    /// The server names clients sent (SNI), nil for a handshake without one.
    final class SNILog: Sendable {
        let names = Mutex<[String?]>([])
    }

    static func serverContext(_ certificates: TestCertificates, sni: SNILog = SNILog()) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificates.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: certificates.keyFile, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.sslContextCallback = { values, promise in
            sni.names.withLock { $0.append(values.serverHostname) }
            promise.succeed(NIOSSLContextConfigurationOverride())
        }
        return try NIOSSLContext(configuration: configuration)
    }

    static func fetcher(trusting certificates: TestCertificates?) throws -> GuardedFetcher {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let certificates {
            tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(certificates.caFile))]
        }
        return try GuardedFetcher(policy: FetchPolicy(addresses: AddressPolicy(allowedNetworks: loopback), timeout: .seconds(30)), tls: tls)
    }

    @Test func verifiedByNameAndByAddressAndRefusedOtherwise() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let sni = SNILog()
        let context = try Self.serverContext(certificates, sni: sni)
        let onLoopback = try await LoopbackServer.start(host: "127.0.0.1", tls: context) { _ in LoopbackServer.image() }
        let onOther = try await LoopbackServer.start(host: "127.0.0.2", tls: context) { _ in LoopbackServer.image() }
        do {
            let trusting = try Self.fetcher(trusting: certificates)
            // By name: SNI and verification against "localhost" (a SAN of the certificate).
            #expect(try await trusting.fetch(onLoopback.url("/a.png", host: "localhost")).bytes == LoopbackServer.png)
            // By IP literal: verified against the address (SAN IP:127.0.0.1).
            #expect(try await trusting.fetch(onLoopback.url("/b.png")).bytes == LoopbackServer.png)
            #expect(await onLoopback.log.requests.map(\.path) == ["/a.png", "/b.png"])
            // SNI carries the URL's name, and nothing for an IP literal.
            #expect(sni.names.withLock { $0 } == ["localhost", nil])

            // The same certificate on an address it does not name: refused, nothing requested.
            let mismatch = await GuardedFetcherTests.failure(trusting, onOther.url("/c.png"))
            guard case .connectionFailed = mismatch else { Issue.record("\(String(describing: mismatch))"); throw CancellationError() }
            #expect(mismatch?.userReason == .unavailable)
            #expect(await onOther.log.requests.isEmpty)

            // Without the CA the certificate is not trusted at all.
            let untrusted = await GuardedFetcherTests.failure(try Self.fetcher(trusting: nil), onLoopback.url("/d.png", host: "localhost"))
            guard case .connectionFailed = untrusted else { Issue.record("\(String(describing: untrusted))"); throw CancellationError() }
            #expect(await onLoopback.log.requests.count == 2)
        } catch {
            await onLoopback.stop()
            await onOther.stop()
            throw error
        }
        await onLoopback.stop()
        await onOther.stop()
    }

    @Test func httpsDoesNotRedirectToPlainHTTP() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let plain = try await LoopbackServer.start(host: "127.0.0.1") { _ in LoopbackServer.image() }
        let secure = try await LoopbackServer.start(host: "127.0.0.1", tls: try Self.serverContext(certificates)) { _ in
            LoopbackServer.redirect(to: plain.url("/clear.png"))
        }
        let failure = await GuardedFetcherTests.failure(try Self.fetcher(trusting: certificates), secure.url("/start.png", host: "localhost"))
        #expect(failure == .downgrade(to: plain.url("/clear.png")))
        #expect(await secure.log.requests.count == 1)
        #expect(await plain.log.connections == 0)
        await secure.stop()
        await plain.stop()
    }
}
