import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

/// One callback POST the core decided to send.
struct CallbackEnvelope: Sendable {
    var url: String
    var body: [UInt8]
    var taskId: String
    var status: String
    var delay: Duration
}

/// Sends callbacks one after another, fire and forget: no retry, a non-2xx answer or a
/// connection error is only logged — exactly what the real proxies do. Sending serially keeps
/// the order the core chose (including deliberate reordering), which keeps tests exact.
///
/// It is stopped with `stop()`, never by cancelling its task: cancelling a task waiting in
/// `URLSession.data(for:)` can deadlock on Linux (swiftlang/swift-corelibs-foundation#5412).
actor CallbackDispatcher {
    private let session: URLSession
    private let timeout: Duration
    private let logger: Logger
    private var processed = 0
    private var delivered = 0
    private var failed = 0
    private var waiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private var stopping = false
    private var finished = false
    /// The `callbackDelay` wait in progress, so `stop()` can cut it short.
    private var pause: Task<Void, Never>?

    init(timeout: Duration, logger: Logger) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Double(timeout.milliseconds) / 1000
        session = URLSession(configuration: configuration)
        self.timeout = timeout
        self.logger = logger
    }

    /// Consumes the core's callback stream until it finishes; after `stop()` the callbacks
    /// still queued are dropped.
    func run(_ stream: AsyncStream<CallbackEnvelope>) async {
        for await envelope in stream {
            if stopping { continue }
            await send(envelope)
            processed += 1
            let ready = waiters.filter { $0.target <= processed }
            waiters.removeAll { $0.target <= processed }
            for w in ready { w.continuation.resume() }
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

    private func send(_ envelope: CallbackEnvelope) async {
        if envelope.delay > .zero {
            let delay = envelope.delay
            let pause = Task { _ = try? await Task.sleep(for: delay) }
            self.pause = pause
            await pause.value
            self.pause = nil
            if stopping { return }
        }
        guard let url = URL(string: envelope.url), url.scheme == "http" || url.scheme == "https" else {
            failed += 1
            logger.warning("callback URL is not http(s)", metadata: ["task": "\(envelope.taskId)"])
            return
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(envelope.body)
        do {
            let (_, response) = try await session.data(for: request)
            let code = (response as? HTTPURLResponse)?.statusCode ?? 0
            if (200..<300).contains(code) {
                delivered += 1
            } else {
                failed += 1
                logger.info("callback answered \(code)", metadata: ["task": "\(envelope.taskId)"])
            }
        } catch {
            failed += 1
            logger.info("callback failed: \(error.localizedDescription)", metadata: ["task": "\(envelope.taskId)"])
        }
    }
}
