import Foundation
import IRC
import NIOSSL
import Testing
@testable import IRCClient
import TestnetSupport

/// `tls_fingerprint` against `ScriptedIRCServer` speaking TLS with a self-signed certificate
/// that expired in 2020 and names another host: what InspIRCd on the testnet cannot serve.
/// Without a pin it is refused; with its certificate or key pin it is accepted; with a wrong
/// pin it is refused once, naming both digests, and not retried. Runs without InspIRCd.
@Suite struct IRCClientPinnedTLSTests {
    struct ExpiredCertificate {
        let directory: String
        let context: NIOSSLContext
        let certificatePin: CertificatePin
        let publicKeyPin: CertificatePin
    }

    /// Self-signed with `openssl ca -selfsign` (the only 3.0 command that takes an end date in
    /// the past); the two pins as openssl prints them, not as the code under test computes them.
    func expiredCertificate() async throws -> ExpiredCertificate {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-expired-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = try await ScriptRunner.run(["-c", """
            set -e; cd '\(dir)'
            touch index.txt; echo 01 > serial
            printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\nserial=serial\\nnew_certs_dir=.\\ndefault_md=sha256\\npolicy=p\\n[p]\\ncommonName=supplied\\n' > ca.cnf
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out req.csr -subj /CN=expired.invalid 2>&1
            openssl ca -batch -config ca.cnf -selfsign -keyfile key.pem -in req.csr -out cert.pem -notext \
              -startdate 200101000000Z -enddate 200102000000Z 2>&1
            """])
        let cert = "\(dir)/cert.pem"
        let certificateLine = try await ScriptRunner.run(["-c", "openssl x509 -in '\(cert)' -noout -fingerprint -sha256"])
        let keyLine = try await ScriptRunner.run(["-c",
            "openssl x509 -in '\(cert)' -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256"])
        let server = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: "\(dir)/key.pem", format: .pem)))
        return ExpiredCertificate(
            directory: dir,
            context: try NIOSSLContext(configuration: server),
            certificatePin: try CertificatePin(parsing: "sha256:" + #require(certificateLine.split(separator: "=").last)),
            publicKeyPin: try CertificatePin(parsing: "sha256:" + #require(keyLine.split(separator: "=").last)))
    }

    func configuration(port: Int, pins: [CertificatePin]) -> IRCConnectionConfiguration {
        var configuration = IRCConnectionConfiguration(
            name: "pinned", host: "127.0.0.1", port: port, tls: true, nick: "bot", username: "u",
            reconnect: .init(minimum: .milliseconds(100), maximum: .seconds(2), resetAfter: .seconds(300)),
            registrationTimeout: .seconds(10))
        configuration.tlsFingerprints = pins
        return configuration
    }

    func started(_ configuration: IRCConnectionConfiguration) async -> (IRCConnection, EventLog) {
        let client = IRCConnection(configuration: configuration, random: SeededGenerator(state: 11))
        let log = EventLog(client)
        await client.start()
        return (client, log)
    }

    @Test(arguments: [false, true])
    func expiredSelfSignedCertificateIsAcceptedByItsPin(byPublicKey: Bool) async throws {
        let expired = try await expiredCertificate()
        defer { try? FileManager.default.removeItem(atPath: expired.directory) }
        let server = try await ScriptedIRCServer.start(tls: expired.context)
        let pin = byPublicKey ? expired.publicKeyPin : expired.certificatePin
        let (client, log) = await started(configuration(port: server.port, pins: [pin]))
        _ = try await log.expect("connected over TLS") { $0 == .connected }
        let connection = try await server.connection(1)
        try await connection.welcome("bot", mask: "bot!u@h")
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        await client.shutdown()
        await server.stop()
    }

    /// The control: the same server without a pin fails the ordinary verification, so the
    /// test above passes because of the pin.
    @Test func withoutAPinTheSameCertificateIsRefused() async throws {
        let expired = try await expiredCertificate()
        defer { try? FileManager.default.removeItem(atPath: expired.directory) }
        let server = try await ScriptedIRCServer.start(tls: expired.context)
        let (client, log) = await started(configuration(port: server.port, pins: []))
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(let reason, _) = event else { return }
        #expect(reason.contains("could not be verified"), "reason: \(reason)")
        await client.shutdown()
        await server.stop()
    }

    @Test func wrongPinIsRefusedWithBothDigestsAndNotRetried() async throws {
        let expired = try await expiredCertificate()
        defer { try? FileManager.default.removeItem(atPath: expired.directory) }
        let server = try await ScriptedIRCServer.start(tls: expired.context)
        let wrong = [CertificatePin(digest: Array(repeating: 1, count: 32)), CertificatePin(digest: Array(repeating: 2, count: 32))]
        let (client, log) = await started(configuration(port: server.port, pins: wrong))
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(let reason, let retry) = event else { return }
        #expect(reason.contains("expected \(wrong[0]) or \(wrong[1])"), "reason: \(reason)")
        #expect(reason.contains("certificate is \(expired.certificatePin)"), "reason: \(reason)")
        #expect(reason.contains("public key \(expired.publicKeyPin)"), "reason: \(reason)")
        #expect(retry == nil)
        _ = try await log.expect("stopped") { $0 == .stopped }
        let events = await log.all
        #expect(!events.contains { $0 == .connected })
        #expect(!events.contains { $0 == .connecting(attempt: 2) })
        await client.shutdown()
        await server.stop()
    }
}
