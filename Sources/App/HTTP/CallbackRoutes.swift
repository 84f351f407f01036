import Foundation
import Hummingbird

/// What the bridge made of one callback body (a hint to ask the proxy, see
/// `ChatBridge.receiveCallback`); only used for logging and metrics, the proxy always gets 200 for
/// a well-formed callback (it never retries anyway). The raw value is the metric label.
public enum CallbackDisposition: String, Sendable, Equatable {
    /// A task the bot follows: the proxy will be asked about it.
    case known
    /// Unknown id, validly signed state: the proxy will be asked, and the task adopted.
    case adopted
    /// Unknown id with an unsigned, tampered or foreign state: ignored.
    case forgedState = "forged_state"
    /// Unknown id, signed state naming a route the bot does not send to: ignored.
    case invalidRoute = "invalid_route"
    /// Unknown id without a state: ignored.
    case unknown
    /// A JSON object without a usable task id.
    case noTaskId = "no_task_id"
    /// Too many hints already wait for the proxy.
    case dropped
}

/// Every way a `POST /callback/…` ends: the `outcome` label of `mjbridge_callbacks_total`.
public enum CallbackOutcome: String, Sendable, CaseIterable {
    case known, adopted
    case forgedState = "forged_state"
    case invalidRoute = "invalid_route"
    case unknown
    case noTaskId = "no_task_id"
    case dropped
    /// Wrong path secret (404).
    case rejected
    /// Body over `CallbackRoutes.maxBodyBytes` (413).
    case tooLarge = "too_large"
    /// Not a JSON object (400).
    case malformed

    init(_ disposition: CallbackDisposition) {
        self = CallbackOutcome(rawValue: disposition.rawValue)!
    }
}

/// Receives the task JSON the proxy POSTs to `notifyHook`.
public protocol CallbackSink: Sendable {
    func receiveCallback(_ body: Data) async -> CallbackDisposition
}

/// A set of routes one HTTP listener serves.
public protocol HTTPRouteGroup: Sendable {
    func add(to router: Router<BasicRequestContext>)
}

/// `POST /callback/<secret>`.
///
/// The callback carries no signature (the proxies cannot sign), so the unguessable path
/// secret keeps strangers out; but the proxy's operator knows it too, so a body is only ever
/// a hint: the bridge asks the proxy about the id and believes the answer, never the body.
public struct CallbackRoutes: HTTPRouteGroup {
    /// Larger bodies are refused: a real task JSON is a few kilobytes.
    public static let maxBodyBytes = 256 * 1024

    public let secret: String
    public let sink: any CallbackSink
    public let metrics: BotMetrics

    public init(secret: String, sink: any CallbackSink, metrics: BotMetrics) {
        self.secret = secret
        self.sink = sink
        self.metrics = metrics
    }

    public func add(to router: Router<BasicRequestContext>) {
        let secret = self.secret
        let sink = self.sink
        let metrics = self.metrics
        router.post("callback/:secret") { request, context -> Response in
            // Compared in constant time so the secret can't be probed byte by byte.
            guard let given = context.parameters.get("secret"), constantTimeEqual(given, secret) else {
                metrics.callback(.rejected)
                return Response(status: .notFound)
            }
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: Self.maxBodyBytes)
            } catch {
                metrics.callback(.tooLarge)
                return Response(status: .contentTooLarge)
            }
            let data = Data(buffer: buffer)
            guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                metrics.callback(.malformed)
                return Response(status: .badRequest)
            }
            // Returns at once: the bridge only notes which ids to ask the proxy about.
            let disposition = await sink.receiveCallback(data)
            metrics.callback(CallbackOutcome(disposition))
            return Response(status: .ok)
        }
    }
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var diff = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) {
        diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
    }
    return diff == 0
}
