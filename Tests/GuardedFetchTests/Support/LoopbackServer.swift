import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A raw HTTP/1.1 server on a loopback address, answering each request with a script of bytes
/// and pauses, so a test can lie about lengths, stall, redirect or stream without end — and
/// counting what it received, so a test can prove that a refused server got nothing at all.
final class LoopbackServer: Sendable {
    enum Step: Sendable {
        case send([UInt8])
        case sleep(Duration)
        /// 64 KiB chunks until the client hangs up.
        case endless
    }

    struct Request: Sendable, Hashable {
        var path: String
        var host: String
    }

    typealias Responder = @Sendable (Request) -> [Step]

    let scheme: String
    let host: String
    let port: Int
    let log: ServerLog
    private let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let acceptLoop: Task<Void, Never>

    private init(scheme: String, host: String, port: Int, log: ServerLog,
                 channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>, acceptLoop: Task<Void, Never>) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.log = log
        self.channel = channel
        self.acceptLoop = acceptLoop
    }

    /// `host` is an address literal (`127.0.0.1`, `127.0.0.2`, `::1`); `tls` makes it HTTPS.
    static func start(host: String = "127.0.0.1", tls: NIOSSLContext? = nil, respond: @escaping Responder) async throws -> LoopbackServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    if let tls { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                }
            }
        let log = ServerLog()
        let acceptLoop = Task {
            do {
                try await channel.executeThenClose { connections in
                    for try await connection in connections {
                        await log.opened(connection.channel)
                        let handler = Task { await serve(connection, log: log, respond: respond) }
                        await log.track(connection.channel, handler: handler)
                    }
                }
            } catch {}
        }
        return LoopbackServer(scheme: tls == nil ? "http" : "https", host: host, port: channel.channel.localAddress?.port ?? 0,
                              log: log, channel: channel, acceptLoop: acceptLoop)
    }

    func url(_ path: String, host name: String? = nil) -> String {
        let shown = name ?? (host.contains(":") ? "[\(host)]" : host)
        return "\(scheme)://\(shown):\(port)\(path)"
    }

    /// Closes the listener (so nothing more is accepted), then every open connection.
    func stop() async {
        channel.channel.close(promise: nil)
        await acceptLoop.value
        await log.closeAll()
    }

    private static func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, log: ServerLog, respond: Responder) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var received: [UInt8] = []
                var request: Request?
                for try await buffer in inbound {
                    received += buffer.readableBytesView
                    if let parsed = parse(received) { request = parsed; break }
                    if received.count > 65_536 { return }
                }
                guard let request else { return }
                await log.received(request)
                var answered = false
                for step in respond(request) {
                    switch step {
                    case .send(let bytes):
                        if !answered {
                            answered = true
                            await log.answering()
                        }
                        try await outbound.write(ByteBuffer(bytes: bytes))
                    case .sleep(let duration):
                        try await Task.sleep(for: duration)
                    case .endless:
                        let chunk = ByteBuffer(repeating: 0x41, count: 64 << 10)
                        while !Task.isCancelled { try await outbound.write(chunk) }
                    }
                }
            }
        } catch {}
        await log.closed(connection.channel)
    }

    /// The request line's path and the Host header, once the head is complete.
    private static func parse(_ bytes: [UInt8]) -> Request? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<end.lowerBound].split(separator: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        let host = lines.dropFirst().first { $0.lowercased().hasPrefix("host:") }
            .map { String($0.dropFirst(5)).trimmingCharacters(in: .whitespaces) } ?? ""
        return Request(path: requestLine.count > 1 ? String(requestLine[1]) : "", host: host)
    }

    // MARK: Canned answers

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 100)

    static func answer(status: String = "200 OK", headers: [String] = [], body: [UInt8] = [], length: Int? = -1) -> [Step] {
        var head = "HTTP/1.1 \(status)\r\nConnection: close\r\n"
        for header in headers { head += header + "\r\n" }
        if let length { head += "Content-Length: \(length < 0 ? body.count : length)\r\n" }
        return [.send(Array((head + "\r\n").utf8) + body)]
    }

    static func image(_ body: [UInt8] = png, type: String = "image/png") -> [Step] {
        answer(headers: ["Content-Type: \(type)"], body: body)
    }

    static func redirect(to location: String, status: String = "302 Found") -> [Step] {
        answer(status: status, headers: ["Location: \(location)"])
    }
}

/// What a `LoopbackServer` saw: connections, requests, and how many requests waited for their
/// answer at once. That last figure is exact for a limiter test: a client cannot finish (and
/// let the next download start) before its answer has begun, so "received, not yet answered"
/// never overlaps more than the limiter admits.
actor ServerLog {
    private(set) var requests: [LoopbackServer.Request] = []
    private(set) var connections = 0
    private(set) var mostUnansweredAtOnce = 0
    private var unanswered = 0
    private var open: [ObjectIdentifier: (channel: any Channel, handler: Task<Void, Never>?)] = [:]

    /// Connections not yet closed (the server closes after its script; `.endless` only ends
    /// when the client hangs up).
    var openNow: Int { open.count }

    func opened(_ channel: any Channel) {
        connections += 1
        open[ObjectIdentifier(channel)] = (channel, nil)
    }

    func track(_ channel: any Channel, handler: Task<Void, Never>) {
        // Already gone when the handler finished first.
        guard open[ObjectIdentifier(channel)] != nil else { return }
        open[ObjectIdentifier(channel)] = (channel, handler)
    }

    func closed(_ channel: any Channel) {
        open[ObjectIdentifier(channel)] = nil
    }

    func received(_ request: LoopbackServer.Request) {
        requests.append(request)
        unanswered += 1
        mostUnansweredAtOnce = max(mostUnansweredAtOnce, unanswered)
    }

    func answering() {
        unanswered -= 1
    }

    func closeAll() async {
        let all = open.values
        for (channel, handler) in all {
            handler?.cancel()
            channel.close(promise: nil)
        }
        for (_, handler) in all { await handler?.value }
    }
}
