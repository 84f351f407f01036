import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// One callback POST the core decided to send.
struct CallbackEnvelope: Sendable {
    var url: String
    var body: [UInt8]
    var taskId: String
    var status: String
    var delay: Duration
}

/// Sends callbacks fire and forget: no retry, a non-2xx answer or a connection error is only
/// logged — exactly what the real proxies do. By default one at a time, which keeps the order
/// the core chose (including deliberate reordering) and keeps tests exact; with
/// `concurrency` > 1 up to that many POSTs are on the wire at once (benchmarks: a real proxy
/// posts from its task threads, and one serial sender cannot carry thousands per second).
///
/// Over AsyncHTTPClient on a client of its own: URLSession (FoundationNetworking) needed
/// workarounds on Linux (cancelling a waiting `data(for:)` could deadlock) and could not carry
/// the benchmarks' rates. It is still stopped with `stop()`: queued callbacks are dropped, the
/// ones on the wire finish within the callback timeout.
actor CallbackDispatcher {
    /// Connection attempts are not retried (an unreachable hook fails at once, as before) and
    /// redirects are not followed (a proxy has no reason to); never shut down, like
    /// `HTTPClient.shared`.
    static let httpClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    private let timeout: Duration
    private let concurrency: Int
    private let logger: Logger
    private var processed = 0
    private var delivered = 0
    private var failed = 0
    private var waiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private var stopping = false
    private var finished = false
    /// The `callbackDelay` wait in progress, so `stop()` can cut it short.
    private var pause: Task<Void, Never>?
    private var observer: (@Sendable (String, String) -> Void)?

    init(timeout: Duration, concurrency: Int = 1, logger: Logger) {
        self.timeout = timeout
        self.concurrency = max(1, concurrency)
        self.logger = logger
    }

    /// Consumes the core's callback stream until it finishes; after `stop()` the callbacks
    /// still queued are dropped.
    func run(_ stream: AsyncStream<CallbackEnvelope>) async {
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for await envelope in stream {
                if stopping { continue }
                // The delay is waited for here, before the POST, so delayed callbacks keep
                // their order whatever the concurrency.
                if envelope.delay > .zero {
                    await wait(envelope.delay)
                    if stopping { continue }
                }
                if concurrency == 1 {
                    await send(envelope)
                    completed()
                    continue
                }
                if inFlight >= concurrency {
                    await group.next()
                    inFlight -= 1
                }
                inFlight += 1
                group.addTask {
                    await self.send(envelope)
                    await self.completed()
                }
            }
            await group.waitForAll()
        }
        finished = true
        for w in waiters { w.continuation.resume() }
        waiters = []
    }

    /// Returns once `count` callbacks have been attempted (sent, or failed to send), or
    /// the dispatcher has stopped.
    func waitUntilProcessed(_ count: Int) async {
        if processed >= count || finished { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }

    var counts: (delivered: Int, failed: Int) { (delivered, failed) }

    /// Sends nothing more: a POST on the wire finishes (within the callback timeout), a
    /// delayed one and the queued ones are dropped. `run` returns once its stream is finished.
    func stop() {
        stopping = true
        pause?.cancel()
    }

    func setObserver(_ observer: (@Sendable (String, String) -> Void)?) {
        self.observer = observer
    }

    private func wait(_ delay: Duration) async {
        let pause = Task { _ = try? await Task.sleep(for: delay) }
        self.pause = pause
        await pause.value
        self.pause = nil
    }

    private func completed() {
        processed += 1
        let ready = waiters.filter { $0.target <= processed }
        waiters.removeAll { $0.target <= processed }
        for w in ready { w.continuation.resume() }
    }

    private func send(_ envelope: CallbackEnvelope) async {
        guard let url = URL(string: envelope.url), url.scheme == "http" || url.scheme == "https" else {
            failed += 1
            logger.warning("callback URL is not http(s)", metadata: ["task": "\(envelope.taskId)"])
            return
        }
        var request = HTTPClientRequest(url: envelope.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: envelope.body))
        observer?(envelope.taskId, envelope.status)
        do {
            let response = try await Self.httpClient.execute(request, timeout: .milliseconds(timeout.milliseconds))
            // Read (and drop) the answer so the connection goes back to the pool.
            _ = try await response.body.collect(upTo: 1 << 20)
            let code = Int(response.status.code)
            if (200..<300).contains(code) {
                delivered += 1
            } else {
                failed += 1
                logger.info("callback answered \(code)", metadata: ["task": "\(envelope.taskId)"])
            }
        } catch {
            failed += 1
            logger.info("callback failed: \(error)", metadata: ["task": "\(envelope.taskId)"])
        }
    }
}
