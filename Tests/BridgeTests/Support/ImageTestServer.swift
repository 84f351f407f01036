import Foundation
import Hummingbird

/// A loopback HTTP server serving the awkward answers an image link can give: wrong content
/// types, bodies without end or announced too large, bodies that never finish.
final class ImageTestServer: Sendable {
    let baseURL: String
    private let task: Task<Void, any Error>

    private init(baseURL: String, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.task = task
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func start() async throws -> ImageTestServer {
        let router = Router()
        router.get("/small.png") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/png"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: pngSignature + [UInt8](repeating: 7, count: 100))))
        }
        router.get("/page.html") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: "<html>not an image</html>")))
        }
        router.get("/untyped") { _, _ in
            Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: pngSignature)))
        }
        router.get("/gone.png") { _, _ in Response(status: .notFound) }
        // No Content-Length and no end: only counting while streaming can stop it. The loop
        // ends when the client hangs up (the write throws) or the server stops.
        router.get("/endless.png") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/png"], body: ResponseBody { writer in
                let chunk = ByteBuffer(bytes: [UInt8](repeating: 1, count: 64 << 10))
                while !Task.isCancelled {
                    try await writer.write(chunk)
                    await Task.yield()
                }
                try await writer.finish(nil)
            })
        }
        router.get("/declared-huge.png") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/png", .contentLength: "50000000"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: pngSignature)))
        }
        // Headers at once, then the body never completes.
        router.get("/trickle.png") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/png"], body: ResponseBody { writer in
                try await writer.write(ByteBuffer(bytes: pngSignature))
                try await Task.sleep(for: .seconds(60))
                try await writer.finish(nil)
            })
        }
        // Not even headers.
        router.get("/silent.png") { _, _ -> Response in
            try await Task.sleep(for: .seconds(60))
            return Response(status: .ok)
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw CancellationError()
        }
        return ImageTestServer(baseURL: "http://127.0.0.1:\(port)", task: task)
    }

    func url(_ path: String) -> String { baseURL + path }


    func shutdown() async {
        task.cancel()
        _ = try? await task.value
    }
}

