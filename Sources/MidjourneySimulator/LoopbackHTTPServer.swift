import Foundation
import Hummingbird
import Logging

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
struct LoopbackHTTPServer: Sendable {
    let port: Int
    let task: Task<Void, any Error>

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
            if delay > .zero { try? await Task.sleep(for: delay) }
            var responseHeaders = HTTPFields()
            if let type = reply.contentType { responseHeaders[.contentType] = type }
            for (name, value) in reply.headers {
                if let field = HTTPFields.Element.Name(name) { responseHeaders[field] = value }
            }
            return Response(status: HTTPResponse.Status(code: reply.status), headers: responseHeaders,
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
        }
        // Hummingbird reports the cancellation we use to stop it as errors; keep only the fatal.
        var appLogger = logger
        appLogger.logLevel = .critical
        let app = Application(responder: responder,
                              configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
                              onServerRunning: { channel in
                                  portContinuation.yield(channel.localAddress?.port ?? port)
                                  portContinuation.finish()
                              },
                              logger: appLogger)
        let task = Task {
            defer { portContinuation.finish() }
            try await app.runService(gracefulShutdownSignals: [])
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
        return LoopbackHTTPServer(port: bound, task: task)
    }

    func stop() async {
        task.cancel()
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
