import Foundation
import Logging

/// One POST a `CallbackRecorder` received.
public struct RecordedCallback: Sendable {
    public let path: String
    public let body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }
    public var taskId: String? { JSONValue.parse(body)?["id"]?.stringValue }
    public var status: String? { JSONValue.parse(body)?["status"]?.stringValue }
    public var progress: String? { JSONValue.parse(body)?["progress"]?.stringValue }
}

/// A tiny loopback HTTP server that records what is POSTed to it: a notifyHook target for
/// tests and the demo (point `notifyHook` at `url`).
public final class CallbackRecorder: Sendable {
    private actor Store {
        var items: [RecordedCallback] = []
        var waiters: [(Int, CheckedContinuation<Void, Never>)] = []

        func add(_ item: RecordedCallback) {
            items.append(item)
            let ready = waiters.filter { $0.0 <= items.count }
            waiters.removeAll { $0.0 <= items.count }
            for w in ready { w.1.resume() }
        }

        func wait(for count: Int) async {
            if items.count >= count { return }
            await withCheckedContinuation { waiters.append((count, $0)) }
        }

        func cancelWaiters() {
            for w in waiters { w.1.resume() }
            waiters = []
        }
    }

    /// `http://127.0.0.1:PORT/hook`.
    public let url: String
    public let port: Int
    private let store: Store
    private let http: LoopbackHTTPServer

    private init(url: String, port: Int, store: Store, http: LoopbackHTTPServer) {
        self.url = url
        self.port = port
        self.store = store
        self.http = http
    }

    /// Starts on a free loopback port; every request is answered with `status`.
    public static func start(host: String = "127.0.0.1", status: Int = 200,
                             logger: Logger = Logger(label: "mjbridge.callback-recorder")) async throws -> CallbackRecorder {
        let store = Store()
        let http = try await LoopbackHTTPServer.start(host: host, port: 0, logger: logger) { request in
            await store.add(RecordedCallback(path: request.path, body: request.body))
            return (.empty(status: status), .zero)
        }
        return CallbackRecorder(url: "http://\(host):\(http.port)/hook", port: http.port, store: store, http: http)
    }

    public var received: [RecordedCallback] { get async { await store.items } }

    /// Suspends until at least `count` callbacks arrived.
    public func waitFor(count: Int) async {
        await store.wait(for: count)
    }

    public func shutdown() async {
        await http.stop()
        await store.cancelWaiters()
    }
}
