import Foundation
import Hummingbird

/// What the bridge made of one callback body; only used for logging and metrics, the proxy
/// always gets 200 for a well-formed callback (it never retries anyway).
public enum CallbackDisposition: Sendable, Equatable {
    case applied
    case duplicateOrStale
    case unknownTask
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
/// secret is the authentication; anything else about the request is a hint the bridge
/// re-checks against its own ranked state.
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
            let disposition = await sink.receiveCallback(data)
            metrics.increment("mjbridge_callbacks_total", label: "\(disposition)")
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
