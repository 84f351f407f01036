import Foundation
import Hummingbird

/// What the bridge made of one callback body (a hint to ask the proxy, see
/// `Bridge.receiveCallback`); only used for logging and metrics, the proxy always gets 200 for
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

/// Receives the task JSON the proxy POSTs to `notifyHook`.
public protocol CallbackSink: Sendable {
    func receiveCallback(_ body: Data) async -> CallbackDisposition
}

/// Liveness and a little state for `/health`.
public protocol HealthReporter: Sendable {
    func healthSnapshot() async -> [String: String]
}

/// The bot's HTTP surface: `POST /callback/<secret>`, `GET /health`, `GET /metrics`.
///
/// The callback carries no signature (the proxies cannot sign), so the unguessable path
/// secret keeps strangers out; but the proxy's operator knows it too, so a body is only ever
/// a hint: the bridge asks the proxy about the id and believes the answer, never the body.
public struct CallbackRoutes: Sendable {
    /// Larger bodies are refused: a real task JSON is a few kilobytes.
    public static let maxBodyBytes = 256 * 1024

    public let secret: String
    public let sink: any CallbackSink
    public let health: any HealthReporter
    public let metrics: MetricsRegistry

    public init(secret: String, sink: any CallbackSink, health: any HealthReporter, metrics: MetricsRegistry) {
        self.secret = secret
        self.sink = sink
        self.health = health
        self.metrics = metrics
    }

    public func add(to router: Router<BasicRequestContext>) {
        let secret = self.secret
        let sink = self.sink
        let metrics = self.metrics
        router.post("callback/:secret") { request, context -> Response in
            // Compared in constant time so the secret can't be probed byte by byte.
            guard let given = context.parameters.get("secret"), constantTimeEqual(given, secret) else {
                metrics.increment("mjbridge_callbacks_total", label: "rejected")
                return Response(status: .notFound)
            }
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: Self.maxBodyBytes)
            } catch {
                metrics.increment("mjbridge_callbacks_total", label: "too_large")
                return Response(status: .contentTooLarge)
            }
            let data = Data(buffer: buffer)
            guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                metrics.increment("mjbridge_callbacks_total", label: "malformed")
                return Response(status: .badRequest)
            }
            // Returns at once: the bridge only notes which ids to ask the proxy about.
            let disposition = await sink.receiveCallback(data)
            metrics.increment("mjbridge_callbacks_total", label: disposition.rawValue)
            return Response(status: .ok)
        }
        let health = self.health
        router.get("health") { _, _ -> Response in
            let snapshot = await health.healthSnapshot()
            let body = (try? JSONSerialization.data(withJSONObject: snapshot, options: [.sortedKeys])) ?? Data("{}".utf8)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.prometheusText())))
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
