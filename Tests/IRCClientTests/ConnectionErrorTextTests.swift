import Foundation
import NIOCore
import NIOSSL
import Testing
@testable import IRCClient
import TestnetSupport

@Suite struct ConnectionErrorTextTests {
    @Test func boringSSLReasonIsTheSymbol() {
        let raw = "sslError([Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /x/handshake.cc:320])"
        #expect(ConnectionErrorText.boringSSLReason(raw) == "CERTIFICATE_VERIFY_FAILED")
        #expect(ConnectionErrorText.boringSSLReason("error:OPENSSL_internal:WRONG_VERSION_NUMBER])") == "WRONG_VERSION_NUMBER")
        #expect(ConnectionErrorText.boringSSLReason("something else") == "something else")
    }

    @Test func knownErrorsBecomeSentences() {
        #expect(ConnectionErrorText.describe(NIOSSLError.uncleanShutdown, server: "h:6697")
            == "h:6697 dropped the TLS connection without closing it")
        #expect(ConnectionErrorText.describe(IOError(errnoCode: ECONNREFUSED, reason: "connect"), server: "h:6697")
            == "connection refused")
        #expect(ConnectionErrorText.describe(ChannelError.connectTimeout(.seconds(15)), server: "h:6697")
            == "connecting to h:6697 timed out after 15 s")
    }

    @Test func refusedConnectionOnLoopbackIsOneClearSentence() async throws {
        // A port bound but not listening: connecting is refused, and no other test can take it
        // meanwhile (a port merely freed was taken by a parallel test's server once: "reset").
        let (port, descriptor) = try Self.boundButNotListening()
        defer { close(descriptor) }
        let client = IRCConnection(configuration: IRCConnectionConfiguration(
            name: "closed", host: "127.0.0.1", port: port, tls: false, nick: "bot",
            reconnect: .init(minimum: .milliseconds(100), maximum: .milliseconds(100))))
        let log = EventLog(client)
        await client.start()
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        #expect(event == .disconnected(reason: "cannot connect to 127.0.0.1:\(port): connection refused", reconnectIn: .milliseconds(100)))
        await client.shutdown()
    }

    static func boundButNotListening() throws -> (port: Int, descriptor: Int32) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        return (Int(UInt16(bigEndian: address.sin_port)), descriptor)
    }
}
