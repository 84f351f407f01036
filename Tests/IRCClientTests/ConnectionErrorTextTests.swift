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
        // A port that was free a moment ago: nothing listens there.
        let server = try await ScriptedIRCServer.start()
        let port = server.port
        await server.stop()
        let client = IRCClient(configuration: IRCConnectionConfiguration(
            name: "closed", host: "127.0.0.1", port: port, tls: false, nick: "bot",
            reconnect: .init(minimum: .milliseconds(100), maximum: .milliseconds(100))))
        let log = EventLog(client)
        await client.start()
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        #expect(event == .disconnected(reason: "cannot connect to 127.0.0.1:\(port): connection refused", reconnectIn: .milliseconds(100)))
        await client.shutdown()
    }
}
