import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import App

/// Records what reached the bridge, so the tests can tell that rejected requests did not.
actor RecordingSink: CallbackSink {
    var bodies: [Data] = []
    func receiveCallback(_ body: Data) async -> CallbackDisposition {
        bodies.append(body)
        if String(decoding: body, as: UTF8.self).contains("\"state\"") { return .forgedState }
        return body.count > 40 ? .known : .unknown
    }
}

struct StaticHealth: HealthReporter {
    var reasons: [String] = []
    func healthReport() async -> HealthReport {
        HealthReport(reasons: reasons, version: "test", networks: ["net": reasons.isEmpty ? "registered" : "connecting"])
    }
}

@Suite struct CallbackRoutesTests {
    func app(_ sink: RecordingSink, metrics: BotMetrics = BotMetrics(), health: StaticHealth = StaticHealth()) -> some ApplicationProtocol {
        let router = Router()
        CallbackRoutes(secret: "s3cret-path", sink: sink, metrics: metrics).add(to: router)
        ObservabilityRoutes(health: health, metrics: metrics).add(to: router)
        return Application(router: router)
    }

    let task = #"{"id":"1748339029401828","status":"SUCCESS","progress":"100%"}"#

    @Test func rightSecretAndJSONReachTheBridge() async throws {
        let sink = RecordingSink()
        try await app(sink).test(.live) { client in
            let response = try await client.execute(uri: "/callback/s3cret-path", method: .post, body: ByteBuffer(string: task))
            #expect(response.status == .ok)
        }
        #expect(await sink.bodies == [Data(task.utf8)])
    }

    @Test func wrongSecretIs404AndNothingElse() async throws {
        let sink = RecordingSink()
        try await app(sink).test(.live) { client in
            for path in ["/callback/s3cret-pat", "/callback/s3cret-path2", "/callback/", "/callback/S3CRET-PATH"] {
                let response = try await client.execute(uri: path, method: .post, body: ByteBuffer(string: task))
                #expect(response.status == .notFound, "\(path)")
                #expect(response.body.readableBytes == 0)
            }
        }
        #expect(await sink.bodies.isEmpty)
    }

    @Test func oversizedBodyIs413() async throws {
        let sink = RecordingSink()
        let big = "{\"pad\":\"" + String(repeating: "x", count: CallbackRoutes.maxBodyBytes) + "\"}"
        try await app(sink).test(.live) { client in
            let response = try await client.execute(uri: "/callback/s3cret-path", method: .post, body: ByteBuffer(string: big))
            #expect(response.status == .contentTooLarge)
        }
        #expect(await sink.bodies.isEmpty)
    }

    @Test func notJSONIs400() async throws {
        let sink = RecordingSink()
        try await app(sink).test(.live) { client in
            for body in ["not json", "[1,2]", "{\"id\":", ""] {
                let response = try await client.execute(uri: "/callback/s3cret-path", method: .post, body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(body)")
            }
        }
        #expect(await sink.bodies.isEmpty)
    }

    @Test func unknownTaskIsStill200() async throws {
        let sink = RecordingSink()
        try await app(sink).test(.live) { client in
            let response = try await client.execute(uri: "/callback/s3cret-path", method: .post, body: ByteBuffer(string: "{\"id\":\"1\"}"))
            #expect(response.status == .ok)
        }
        #expect(await sink.bodies.count == 1)
    }

    @Test func healthAndMetricsAnswer() async throws {
        let metrics = BotMetrics()
        try await app(RecordingSink(), metrics: metrics).test(.live) { client in
            _ = try await client.execute(uri: "/callback/wrong", method: .post, body: ByteBuffer(string: task))
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
            #expect(String(buffer: health.body).contains("\"status\":\"ok\""))
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(text.contains("# TYPE mjbridge_callbacks_total counter"))
            #expect(text.contains("mjbridge_callbacks_total{outcome=\"rejected\"} 1"))
        }
    }

    @Test func unhealthyIs503WithTheReason() async throws {
        try await app(RecordingSink(), health: StaticHealth(reasons: ["no network is registered"])).test(.live) { client in
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .serviceUnavailable)
            let body = String(buffer: health.body)
            #expect(body.contains("\"status\":\"unhealthy\""), "\(body)")
            #expect(body.contains("no network is registered"), "\(body)")
        }
    }

    @Test func theMetricCountsWhatEachHintWas() async throws {
        let metrics = BotMetrics()
        let sink = RecordingSink()
        try await app(sink, metrics: metrics).test(.live) { client in
            for body in [task, task, #"{"id":"1","state":"mjb1 x #y z"}"#, #"{"id":"2"}"#] {
                let response = try await client.execute(uri: "/callback/s3cret-path", method: .post, body: ByteBuffer(string: body))
                #expect(response.status == .ok)
            }
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(text.contains("mjbridge_callbacks_total{outcome=\"known\"} 2"), "\(text)")
            #expect(text.contains("mjbridge_callbacks_total{outcome=\"forged_state\"} 1"), "\(text)")
            #expect(text.contains("mjbridge_callbacks_total{outcome=\"unknown\"} 1"), "\(text)")
        }
    }

    @Test func secretComparisonNeedsEveryByte() {
        #expect(constantTimeEqual("abc", "abc"))
        #expect(!constantTimeEqual("abc", "abd"))
        #expect(!constantTimeEqual("abc", "abcd"))
        #expect(!constantTimeEqual("", "a"))
    }
}
