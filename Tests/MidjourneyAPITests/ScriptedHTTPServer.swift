import Foundation
import MidjourneyAPI
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 server on 127.0.0.1 (ephemeral port) whose answers a test scripts, for the
/// client's status/timeout paths until (and besides) the simulator. Not a mock of the client:
/// the client speaks real HTTP to it.
final class ScriptedHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: Data

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        var json: JSONValue? { (try? JSONValue.parse(body)) ?? nil }
    }

    enum Response: Sendable {
        case respond(status: Int, headers: [(String, String)] = [], body: String = "")
        /// Never answer (until the server shuts down).
        case hang
        /// Read the whole request, then close the connection without a word.
        case close

        static func json(_ body: String, status: Int = 200) -> Response {
            .respond(status: status, headers: [("Content-Type", "application/json")], body: body)
        }
    }

    typealias Script = @Sendable (Request, Int) async -> Response

    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let recorder: Recorder

    actor Recorder {
        var requests: [Request] = []
        func record(_ request: Request) -> Int {
            requests.append(request)
            return requests.count
        }
    }

    /// `script` gets the request and its 1-based sequence number.
    init(script: @escaping Script) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let recorder = Recorder()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(script: script, recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        self.group = group
        self.channel = channel
        self.recorder = recorder
        self.port = channel.localAddress?.port ?? 0
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    var requests: [Request] {
        get async { await recorder.requests }
    }

    func shutdown() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }

    /// Runs `body` with a started server and always shuts it down.
    static func with<T>(_ script: @escaping Script, _ body: (ScriptedHTTPServer) async throws -> T) async throws -> T {
        let server = try await ScriptedHTTPServer(script: script)
        do {
            let result = try await body(server)
            try await server.shutdown()
            return result
        } catch {
            try? await server.shutdown()
            throw error
        }
    }

    /// A port on which nothing listens. Bound and never listened on, and kept bound for the
    /// rest of the run: a port that was merely closed again could be handed to a parallel
    /// test's server, which would then answer the "unreachable" request.
    static func closedPort() async throws -> Int {
        #if os(Linux)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
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
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let script: Script
        let recorder: Recorder
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(script: @escaping Script, recorder: Recorder) {
            self.script = script
            self.recorder = recorder
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body.clear()
            case .body(var chunk):
                body.writeBuffer(&chunk)
            case .end:
                guard let head else { return }
                let request = Request(method: head.method.rawValue, uri: head.uri,
                                      headers: head.headers.map { ($0.name, $0.value) },
                                      body: Data(body.readableBytesView))
                let keepAlive = head.isKeepAlive
                let script = self.script
                let recorder = self.recorder
                let promise = context.eventLoop.makePromise(of: Response.self)
                promise.completeWithTask {
                    let number = await recorder.record(request)
                    return await script(request, number)
                }
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                promise.futureResult.whenSuccess { response in
                    Self.write(response, keepAlive: keepAlive, context: bound.value)
                }
            }
        }

        private static func write(_ response: Response, keepAlive: Bool, context: ChannelHandlerContext) {
            if case .close = response { return context.close(promise: nil) }
            guard case .respond(let status, let extraHeaders, let text) = response else { return }
            var headers = HTTPHeaders(extraHeaders)
            headers.replaceOrAdd(name: "Content-Length", value: String(text.utf8.count))
            headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
            context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
            if !text.isEmpty {
                context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            }
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
        }
    }
}
