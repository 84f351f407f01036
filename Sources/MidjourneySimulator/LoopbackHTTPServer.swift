import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Errors a user of the simulator can act on.
public enum SimulatorError: Error, CustomStringConvertible {
    case couldNotStart(host: String, port: Int, reason: String)
    /// A `mjbridge simulate` option has a value that cannot be used.
    case invalidOption(String)

    public var description: String {
        switch self {
        case .couldNotStart(let host, let port, let reason):
            return "simulator could not listen on \(host):\(port): \(reason)"
        case .invalidOption(let why):
            return "simulator: \(why)"
        }
    }
}

/// Runs a Hummingbird application in a child task and reports the port it bound,
/// so port 0 (any free port) works for tests and the in-process demo.
///
/// It stops by graceful shutdown, never by cancelling: a NIO server cancelled while it is
/// accepting a connection traps (apple/swift-nio#2813). Graceful shutdown closes the listening
/// socket first, hands every connection already accepted to a handler, answers the requests in
/// flight (a `responseDelay` is cut short) and closes idle keep-alive connections.
struct LoopbackHTTPServer: Sendable {
    let port: Int
    let task: Task<Void, any Error>
    private let group: ServiceGroup

    /// How long in-flight requests get before the server is cancelled after all. Our answers take
    /// milliseconds, but a connection accepted in the instant the socket closes can be left
    /// waiting for a request body that never comes (seen about once in 30 stops under load);
    /// cancelling it is safe by then, as the listening socket is closed and its accept loop done.
    static let gracefulShutdownLimit: Duration = .seconds(2)

    static func start(host: String, port: Int, logger: Logger,
                      handler: @escaping @Sendable (SimRequest) async -> (SimReply, Duration)) async throws -> LoopbackHTTPServer {
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024 * 1024)
            var headers: [String: String] = [:]
            for field in request.headers {
                let name = field.name.canonicalName.lowercased()
                headers[name] = headers[name].map { $0 + "," + field.value } ?? field.value
            }
            let simRequest = SimRequest(method: request.method.rawValue, path: request.uri.path,
                                        query: Self.parseQuery(request.uri.query), headers: headers,
                                        body: Array(body.readableBytesView))
            let (reply, delay) = await handler(simRequest)
            if delay > .zero { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) } }
            var responseHeaders = HTTPFields()
            if let type = reply.contentType { responseHeaders[.contentType] = type }
            for (name, value) in reply.headers {
                if let field = HTTPFields.Element.Name(name) { responseHeaders[field] = value }
            }
            return Response(status: HTTPResponse.Status(code: reply.status), headers: responseHeaders,
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
        }
        // Hummingbird's own lines (listening on..., a client that hung up) would only repeat our
        // banner or blame a test client; keep its fatal ones.
        var appLogger = logger
        appLogger.logLevel = .critical
        let app = Application(responder: responder,
                              configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
                              onServerRunning: { channel in
                                  portContinuation.yield(channel.localAddress?.port ?? port)
                                  portContinuation.finish()
                              },
                              logger: appLogger)
        var groupConfiguration = ServiceGroupConfiguration(services: [.init(service: app)], logger: appLogger)
        groupConfiguration.maximumGracefulShutdownDuration = gracefulShutdownLimit
        let group = ServiceGroup(configuration: groupConfiguration)
        let task = Task {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            let reason: String
            switch await task.result {
            case .success: reason = "server stopped before it was running"
            case .failure(let error): reason = "\(error)"
            }
            throw SimulatorError.couldNotStart(host: host, port: port, reason: reason)
        }
        return LoopbackHTTPServer(port: bound, task: task, group: group)
    }

    /// Returns once the listening socket is closed and every connection is finished.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    static func parseQuery(_ query: String?) -> [String: String] {
        var out: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard let key = kv.first?.removingPercentEncoding, !key.isEmpty else { continue }
            out[key] = kv.count > 1 ? (kv[1].removingPercentEncoding ?? kv[1]) : ""
        }
        return out
    }
}
