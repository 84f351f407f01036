import Foundation

/// A throwaway CA and a server certificate for `localhost`, `127.0.0.1` and `::1`, made with
/// openssl exactly as Scripts/testnet/start.sh makes the test network's, in a temp directory.
struct TestCertificates {
    let directory: URL
    var caFile: String { directory.appendingPathComponent("ca.pem").path }
    var certificateFile: String { directory.appendingPathComponent("server.pem").path }
    var keyFile: String { directory.appendingPathComponent("server.key").path }

    static var openSSLAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") }

    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("guardedfetch-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            cd "$1"
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\
              -keyout ca.key -out ca.pem -days 2 -subj "/CN=guardedfetch test CA" \\
              -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \\
              -addext "subjectKeyIdentifier=hash" 2>/dev/null
            cat >server.ext <<'EXT'
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth
            subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
            subjectKeyIdentifier=hash
            authorityKeyIdentifier=keyid
            EXT
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\
              -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \\
              -days 2 -sha256 -extfile server.ext -out server.pem 2>/dev/null
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, "sh", directory.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw CertificateError.openSSLFailed(process.terminationStatus)
        }
        return TestCertificates(directory: directory)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    enum CertificateError: Error {
        case openSSLFailed(Int32)
    }
}
