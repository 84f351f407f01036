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
actor CallbackDispatcher {
    private let session: URLSession
    private let timeout: Duration
    private let logger: Logger
    private var processed = 0
    private var delivered = 0
    private var failed = 0
    private var waiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)] = []

    init(timeout: Duration, logger: Logger) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Double(timeout.milliseconds) / 1000
        session = URLSession(configuration: configuration)
        self.timeout = timeout
        self.logger = logger
    }

    /// Consumes the core's callback stream until it finishes.
    func run(_ stream: AsyncStream<CallbackEnvelope>) async {
        for await envelope in stream {
            await send(envelope)
            processed += 1
            let ready = waiters.filter { $0.target <= processed }
            waiters.removeAll { $0.target <= processed }
            for w in ready { w.continuation.resume() }
        }
        for w in waiters { w.continuation.resume() }
        waiters = []
    }

    /// Returns once `count` callbacks have been attempted (sent, or failed to send).
    func waitUntilProcessed(_ count: Int) async {
        if processed >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }

    var counts: (delivered: Int, failed: Int) { (delivered, failed) }

    private func send(_ envelope: CallbackEnvelope) async {
        if envelope.delay > .zero { try? await Task.sleep(for: envelope.delay) }
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
