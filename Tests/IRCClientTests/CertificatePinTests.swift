import Foundation
import NIOSSL
import Testing
@testable import IRCClient
import TestnetSupport

/// `tls_fingerprint` pins: parsing both spellings, the decision, the refusal sentence, and the
/// digests of a real certificate checked against what openssl prints (the README's recipe).
@Suite struct CertificatePinTests {
    let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

    func pin(_ byte: UInt8) -> CertificatePin { CertificatePin(digest: Array(repeating: byte, count: 32)) }

    @Test func parsesPlainAndColonSeparatedHexInAnyCase() throws {
        let plain = try CertificatePin(parsing: "sha256:\(hex)")
        #expect(plain.digest.first == 0x00 && plain.digest[1] == 0x11 && plain.digest.last == 0xff)
        #expect(plain.description == "sha256:\(hex)")
        let colons = stride(from: 0, to: 64, by: 2).map { i in String(hex.dropFirst(i).prefix(2)) }.joined(separator: ":")
        #expect(try CertificatePin(parsing: "SHA256:" + colons.uppercased()) == plain)
        #expect(try CertificatePin(parsing: "  sha256:\(hex.uppercased())\n") == plain)
        #expect(try CertificatePin(parsing: "sha256: \(hex)") == plain)
    }

    @Test func refusesWhatIsNotASHA256Pin() {
        func reason(_ text: String) -> String? {
            do { _ = try CertificatePin(parsing: text); return nil } catch { return error.description }
        }
        #expect(reason(hex)?.contains("only SHA-256") == true, "no prefix")
        #expect(reason("sha1:" + hex.prefix(40))?.contains("only SHA-256") == true)
        #expect(reason("sha256:" + hex.dropLast(2))?.contains("found 62 hex digits") == true)
        #expect(reason("sha256:" + hex + "00")?.contains("found 66 hex digits") == true)
        #expect(reason("sha256:" + hex.dropLast() + "g") != nil, "not a hex digit")
        #expect(reason("sha256:" + hex.dropLast() ) != nil, "odd count")
        #expect(reason("sha256:0:11" + String(repeating: ":22", count: 30)) != nil, "a single digit between colons")
        #expect(reason("sha256:" + "+1" + hex.dropFirst(2)) != nil, "a sign is not a digit")
        #expect(reason("sha256:") != nil)
    }

    @Test func eitherDigestMatchesAnyPin() {
        let peer = PeerFingerprints(certificate: pin(1), publicKey: pin(2))
        #expect(CertificatePinning(pins: [pin(9), pin(1)]).verdict(for: peer, server: "s:1") == .matchedCertificate)
        #expect(CertificatePinning(pins: [pin(2)]).verdict(for: peer, server: "s:1") == .matchedPublicKey)
    }

    @Test func aMismatchNamesTheExpectedPinsAndBothActualFingerprints() {
        let peer = PeerFingerprints(certificate: pin(1), publicKey: pin(2))
        let verdict = CertificatePinning(pins: [pin(9), pin(10)]).verdict(for: peer, server: "irc.example.net:6697")
        guard case .refused(let sentence) = verdict else {
            Issue.record("expected a refusal, got \(verdict)")
            return
        }
        #expect(sentence.contains("irc.example.net:6697"))
        #expect(sentence.contains("expected \(pin(9)) or \(pin(10))"), "\(sentence)")
        #expect(sentence.contains("certificate is \(pin(1))"), "\(sentence)")
        #expect(sentence.contains("public key \(pin(2))"), "\(sentence)")
        #expect(sentence.contains("tls_fingerprint"))
    }

    /// A throw-away self-signed certificate: its two digests as TLSSetup computes them equal
    /// openssl's, by the commands the README gives operators.
    @Test func digestsOfARealCertificateMatchOpenSSL() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-pin-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try await ScriptRunner.run(["-c", """
            cd '\(dir)' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
              -keyout key.pem -out cert.pem -days 1 -subj /CN=pin.test 2>&1
            """])
        let certificateLine = try await ScriptRunner.run(["-c", "openssl x509 -in '\(dir)/cert.pem' -noout -fingerprint -sha256"])
        let keyLine = try await ScriptRunner.run(["-c",
            "openssl x509 -in '\(dir)/cert.pem' -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256"])
        // `sha256 Fingerprint=AB:CD:…` and `SHA2-256(stdin)= abcd…` (or `(stdin)= abcd…`)
        let fromOpenSSLCertificate = try CertificatePin(parsing: "sha256:" + #require(certificateLine.split(separator: "=").last))
        let fromOpenSSLKey = try CertificatePin(parsing: "sha256:" + #require(keyLine.split(separator: "=").last))

        let certificate = try #require(try NIOSSLCertificate.fromPEMFile("\(dir)/cert.pem").first)
        let ours = try TLSSetup.fingerprints(of: certificate)
        #expect(ours.certificate == fromOpenSSLCertificate)
        #expect(ours.publicKey == fromOpenSSLKey)
        #expect(ours.certificate != ours.publicKey)
    }
}
