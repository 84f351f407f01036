import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
@testable import App
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Time the test moves by hand.
final class TestTime: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var now: Date { current.withLock { $0 } }
    var closure: @Sendable () -> Date { { [self] in now } }
}

/// A real HTTP listener on a loopback port serving route groups (the bot's own server code).
struct RouteServer: Sendable {
    let port: Int
    let group: ServiceGroup
    let task: Task<Void, any Error>

    var baseURL: String { "http://127.0.0.1:\(port)" }

    static func start(_ routes: [any HTTPRouteGroup]) async throws -> RouteServer {
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "test.http")
        let app = CallbackServer.application(routes: routes, host: "127.0.0.1", port: 0, logger: logger,
                                             onRunning: { port in sink.yield(port); sink.finish() })
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("server did not start") }
        return RouteServer(port: port, group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct HTTPAnswer {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
}

/// One request with AsyncHTTPClient (30 s deadline).
func httpRequest(_ url: String, method: HTTPMethod = .GET, headers: [String: String] = [:]) async throws -> HTTPAnswer {
    var request = HTTPClientRequest(url: url)
    request.method = method
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 32 << 20)
    var fields: [String: String] = [:]
    for header in response.headers { fields[header.name.lowercased()] = header.value }
    return HTTPAnswer(status: Int(response.status.code), headers: fields, body: Array(buffer: body))
}

/// Sends a request line exactly as written (no client normalises `..` or decodes `%2e`) over a
/// plain loopback socket and returns the status code. The blocking calls run on a thread of
/// their own (with a 30 s receive timeout): `Task.detached` would still run them on the
/// cooperative pool, which has one thread per core — two blocked readers on a 2-core machine
/// would starve the very server they wait for, and every other test, for 30 s.
func rawStatus(port: Int, target: String) async throws -> Int {
    try await onOwnThread {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect") }
        let request = Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { throw TestFailure("send") }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            answer += buffer[0..<count]
            if answer.count > 1 << 20 { break }
        }
        let firstLine = String(decoding: answer.prefix { $0 != 0x0D }, as: UTF8.self)
        let parts = firstLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestFailure("no status line in \(firstLine)") }
        return status
    }
}

/// Runs blocking work on a new thread and awaits its result without holding a pool thread.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// An image host for result links that the test takes down and brings back (503 while down),
/// serving named images.
final class FlakyImageHost: Sendable {
    let up = Mutex(false)
    /// Requests are answered only after 3 s: a host slow enough for a caller to give up first.
    let hang = Mutex(false)
    /// Image requests received.
    let requests = Mutex(0)
    let images: [String: [UInt8]]

    init(images: [String: [UInt8]]) { self.images = images }

    struct Routes: HTTPRouteGroup {
        let host: FlakyImageHost
        func add(to router: Router<BasicRequestContext>) {
            router.get("img/:name") { _, context -> Response in
                host.requests.withLock { $0 += 1 }
                if host.hang.withLock({ $0 }) { try? await Task.sleep(for: .seconds(3)) }
                guard host.up.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
                guard let name = context.parameters.get("name"), let bytes = host.images[name] else { return Response(status: .notFound) }
                return Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
    }

    static func start(images: [String: [UInt8]]) async throws -> (FlakyImageHost, RouteServer) {
        let host = FlakyImageHost(images: images)
        return (host, try await RouteServer.start([Routes(host: host)]))
    }
}

/// A tiny valid PNG header followed by `fill` (the fetcher only checks the magic bytes).
func pngBytes(_ fill: UInt8, count: Int = 300) -> [UInt8] {
    [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: fill, count: count)
}

/// A directory under the system temp dir, removed when the test ends.
final class ImageTestDirectory: Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("imagehost-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    var databasePath: String { url.appendingPathComponent("bot.sqlite").path }
    var storePath: String { url.appendingPathComponent("images").path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Waits (polling, at most `seconds`) until `condition` holds; fails the test otherwise.
func waitUntil(_ what: String, seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TestFailure("timed out waiting for \(what)")
}
