import Foundation
import Hummingbird
import Synchronization

/// A loopback HTTP server serving the awkward answers an image link can give: wrong content
/// types, bodies larger than announced or announced too large, bodies that never finish.
/// Counts what it wrote so a test can tell a download was cut off, not read to the end.
final class ImageTestServer: Sendable {
    let baseURL: String
    private let task: Task<Void, any Error>
    private let counter: ByteCounter
    /// Bytes the endless route is willing to send in total.
    static let endlessTotal = 64 << 20

    private init(baseURL: String, task: Task<Void, any Error>, counter: ByteCounter) {
        self.baseURL = baseURL
        self.task = task
        self.counter = counter
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func start() async throws -> ImageTestServer {
        let counter = ByteCounter()
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
        // No Content-Length: only counting while streaming can stop it.
        router.get("/endless.png") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/png"], body: ResponseBody { writer in
                let chunk = ByteBuffer(bytes: [UInt8](repeating: 1, count: 64 << 10))
                var sent = 0
                while sent < endlessTotal {
                    try await writer.write(chunk)
                    sent += chunk.readableBytes
                    counter.add(chunk.readableBytes)
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
        return ImageTestServer(baseURL: "http://127.0.0.1:\(port)", task: task, counter: counter)
    }

    func url(_ path: String) -> String { baseURL + path }

    /// What the endless route has handed to the connection so far.
    var bytesWrittenByEndless: Int { counter.value.withLock { $0 } }

    func shutdown() async {
        task.cancel()
        _ = try? await task.value
    }
}

private final class ByteCounter: Sendable {
    let value = Mutex(0)
    func add(_ bytes: Int) { value.withLock { $0 += bytes } }
}
