import Foundation
import Matrix
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `MatrixClient`'s HTTP shell against loopback peers that misbehave the way homeservers and
/// proxies do: refuse, never answer, echo the token, redirect. Real sockets, no mocks.
@Suite(.timeLimit(.minutes(2)))
struct MatrixClientTransportTests {
    let token = "syt_c2VjcmV0_tokenthatmustnotleak_123"

    @Test func aRefusedConnectionHasNotReachedTheServer() async throws {
        let port = try LoopbackPeer.closedPort()
        let client = MatrixClient(homeserver: "http://127.0.0.1:\(port)", accessToken: token)
        await #expect {
            _ = try await client.whoAmI()
        } throws: { error in
            guard case .transport(let why, let mayHaveArrived) = error as? MatrixClientError else { return false }
            return !mayHaveArrived && !why.contains(token)
        }
    }

    @Test func aServerThatNeverAnswersEndsAtTheDeadlineAndMayHaveGotTheRequest() async throws {
        let peer = try LoopbackPeer(reply: nil)
        defer { peer.close() }
        let client = MatrixClient(homeserver: "http://127.0.0.1:\(peer.port)", accessToken: token)
        var request = MatrixRequest.send(roomID: "!r", eventType: "m.room.message", transactionID: "mjb1.1.0.0", content: ["body": "x"])
        request.timeout = .seconds(1)
        let started = ContinuousClock.now
        await #expect {
            _ = try await client.perform(request)
        } throws: { error in
            guard case .transport(_, let mayHaveArrived) = error as? MatrixClientError else { return false }
            return mayHaveArrived
        }
        // Bounded: well before the suite's limit (no timing assertion beyond "it ended").
        #expect(ContinuousClock.now - started < .seconds(60))
        // The request did reach the peer, token in the header only, not in the URL.
        let received = peer.received()
        #expect(received.contains("PUT /_matrix/client/v3/rooms/%21r/send/m.room.message/mjb1.1.0.0 HTTP/1.1"))
        #expect(received.contains("Authorization: Bearer \(token)"))
        #expect(received.split(separator: "\r\n").first?.contains(token) == false)
    }

    @Test func aTokenEchoedByTheServerIsRedactedFromTheError() async throws {
        let body = #"{"errcode":"M_UNKNOWN_TOKEN","error":"Unrecognised access token \#(token) (Bearer \#(token))"}"#
        let peer = try LoopbackPeer(reply: "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        defer { peer.close() }
        let client = MatrixClient(homeserver: "http://127.0.0.1:\(peer.port)/", accessToken: token)
        do {
            _ = try await client.whoAmI()
            Issue.record("a 401 was accepted")
        } catch {
            guard case .server(let response) = error else { Issue.record("not a server error: \(error)"); return }
            #expect(response.errcode == "M_UNKNOWN_TOKEN")
            #expect(!error.description.contains(token))
            #expect(response.message.contains("<redacted>"))
        }
    }

    @Test func aRedirectIsNotFollowed() async throws {
        let peer = try LoopbackPeer(reply: "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/steal\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        defer { peer.close() }
        let client = MatrixClient(homeserver: "http://127.0.0.1:\(peer.port)", accessToken: token)
        await #expect(throws: MatrixClientError.redirected(status: 302)) {
            _ = try await client.whoAmI()
        }
    }

    @Test func anUnreadableSuccessIsAnInvalidResponse() async throws {
        let body = "<html>hello</html>"
        let peer = try LoopbackPeer(reply: "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        defer { peer.close() }
        let client = MatrixClient(homeserver: "http://127.0.0.1:\(peer.port)", accessToken: token)
        await #expect {
            _ = try await client.sync(since: nil, timeout: .zero, ownUserID: "@b:x")
        } throws: { error in
            guard case .invalidResponse = error as? MatrixClientError else { return false }
            return true
        }
    }
}

/// A one-connection HTTP peer on 127.0.0.1 served by a thread of its own: accepts one
/// connection, reads the request head (and what follows within a moment), then writes `reply`
/// and closes — or, with `reply: nil`, keeps the connection open and silent until `close()`.
final class LoopbackPeer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    // Written by the server thread, read by the test after the exchange: guarded by `lock`.
    private let lock = NSLock()
    private var request = ""
    private var connection: Int32 = -1

    init(reply: String?) throws {
        let listenFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listenFD, 4) == 0 else { Glibc.close(listenFD); throw PeerError() }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listenFD, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = listenFD
        Thread { [self] in
            let fd = accept(listenFD, nil, nil)
            guard fd >= 0 else { return }
            lock.withLock { connection = fd }
            var timeout = timeval(tv_sec: 0, tv_usec: 300_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var text = ""
            for _ in 0..<20 {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 { text += String(decoding: buffer[..<count], as: UTF8.self) } else if !text.isEmpty { break }
                if text.contains("\r\n\r\n") && count <= 0 { break }
            }
            lock.withLock { request = text }
            guard let reply else { return }
            _ = reply.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            shutdown(fd, Int32(SHUT_WR))
        }.start()
    }

    func received() -> String { lock.withLock { request } }

    func close() {
        lock.withLock {
            if connection >= 0 { Glibc.close(connection); connection = -1 }
        }
        // shutdown first: on Linux a close() does not wake the thread blocked in accept(), and
        // the socket would go on listening until it returns.
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    /// A port on 127.0.0.1 nothing listens on (bound, then closed). A bare socket, not a
    /// peer: a peer's thread that had not yet reached accept() when the socket was closed
    /// would accept on whatever socket got the same descriptor number next (seen: another
    /// test's peer, whose client then waited for an answer that never came).
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw PeerError() }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct PeerError: Error {}
}
