import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// A small web host for images users link to: two Discord links do not fit in one IRC line,
/// so tests re-host the simulator's images under short URLs, as users do with image hosts.
struct ImageHost: Sendable {
    let baseURL: String
    let group: ServiceGroup
    let task: Task<Void, any Error>

    /// Serves each image at `/<name>` with its content type.
    static func start(_ images: [String: (contentType: String, bytes: [UInt8])]) async throws -> ImageHost {
        let router = Router()
        for (name, image) in images {
            router.get(RouterPath(stringLiteral: name)) { _, _ -> Response in
                Response(status: .ok, headers: [.contentType: image.contentType],
                         body: .init(byteBuffer: ByteBuffer(bytes: image.bytes)))
            }
        }
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in sink.yield(channel.localAddress?.port ?? 0); sink.finish() })
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: app.logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        return ImageHost(baseURL: "http://127.0.0.1:\(port)", group: group, task: task)
    }

    /// Downloads `url` (e.g. a simulator image link) for re-hosting.
    static func download(_ url: String) async throws -> (contentType: String, bytes: [UInt8]) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 10 << 20)
        return (response.headers.first(name: "content-type") ?? "image/png", Array(buffer: body))
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
