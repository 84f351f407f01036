import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import MidjourneySimulator
import Testing

/// Stopping a server while clients connect to it must neither trap nor hang: a NIO server
/// cancelled while it is accepting a connection traps (apple/swift-nio#2813), which is what the
/// graceful stop avoids. Each test repeats the race many times in one process.
@Suite(.timeLimit(.minutes(3)), .serialized) struct ShutdownTests {
    static let rounds = 30
    static let quiet = Logger(label: "test.shutdown") { _ in SwiftLogNoOpLogHandler() }

    /// URLSession fails at once on a refused connection (AsyncHTTPClient retries until its deadline).
    static let session = URLSession(configuration: .ephemeral)

    /// One POST on a fresh connection; its status, or nil when the connection failed.
    static func post(_ url: String) async -> Int? {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 30)
        request.httpMethod = "POST"
        request.setValue("close", forHTTPHeaderField: "Connection")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"id":"hammer","status":"IN_PROGRESS","prompt":"a fox"}"#.utf8)
        guard let (_, response) = try? await session.data(for: request) else { return nil }
        return (response as? HTTPURLResponse)?.statusCode
    }

    /// POSTs to `url` until the server stops answering (or `limit`); returns how many got a 2xx.
    static func hammer(_ url: String, limit: Int = 2000) async -> Int {
        var answered = 0
        for _ in 0..<limit {
            guard let status = await post(url) else { break }
            if (200..<300).contains(status) { answered += 1 }
        }
        return answered
    }

    static func refusesConnections(_ url: String) async -> Bool {
        await post(url) == nil
    }

    @Test func recorderStoppedWhileTheSimulatorPostsCallbacksAndClientsConnect() async throws {
        for round in 0..<Self.rounds {
            let recorder = try await CallbackRecorder.start(logger: Self.quiet)
            let h = try await Harness.start { $0.globalNotifyHook = recorder.url }
            for i in 0..<4 { _ = try await h.imagine("cat \(round) \(i)") }
            await h.server.runUntilIdle()  // 20 callbacks queued, the dispatcher posts them now
            let clients = (0..<6).map { _ in Task { await Self.hammer(recorder.url) } }
            await recorder.waitFor(count: 3)
            await recorder.shutdown()
            var answered = 0
            for client in clients { answered += await client.value }
            #expect(await Self.refusesConnections(recorder.url))
            await h.server.waitForCallbacks()
            // Whatever the recorder took in was answered: the stop dropped no request mid-way.
            let recorded = await recorder.received.count
            let delivered = await h.server.controls.stats().callbacksDelivered
            #expect(recorded == answered + delivered)
            await h.shutdown()
        }
    }

    @Test func simulatorStoppedWithRequestsInFlight() async throws {
        for round in 0..<Self.rounds {
            let h = try await Harness.start()
            let url = h.server.baseURL + "/mj/submit/imagine"
            let clients = (0..<6).map { _ in Task { await Self.hammer(url) } }
            // Wait until the simulator has answered something, so the stop races live traffic.
            while await h.server.controls.stats().requests < 2 + round % 5 { try await Task.sleep(for: .milliseconds(1)) }
            await h.shutdown()
            for client in clients { _ = await client.value }
            #expect(await Self.refusesConnections(url))
        }
    }

    /// A response held back by `slowResponses` is still written when the server stops: the stop
    /// cuts the delay short instead of waiting it out (or dropping the request at its time limit).
    @Test func slowRequestInFlightIsAnsweredWhenTheSimulatorStops() async throws {
        for _ in 0..<5 {
            let h = try await Harness.start()
            await h.server.controls.slowResponses(.seconds(3600))
            let slow = Task { try await h.request("GET", "/mj/task/list", timeoutSeconds: 3600) }
            while await h.server.controls.stats().requests < 1 { try await Task.sleep(for: .milliseconds(1)) }
            await h.shutdown()
            let answer = try await slow.value
            #expect(answer.status == 200)
            #expect(await Self.refusesConnections(h.server.baseURL + "/mj/task/list"))
        }
    }

    /// The simulator stopped while its dispatcher is posting to a live recorder; every other
    /// round holds each callback back first, which the stop cuts short.
    @Test func simulatorStoppedWhileItsCallbacksArePosted() async throws {
        for round in 0..<Self.rounds {
            let recorder = try await CallbackRecorder.start(logger: Self.quiet)
            let h = try await Harness.start { $0.globalNotifyHook = recorder.url }
            if round % 2 == 1 { await h.server.controls.delayCallbacks(.seconds(3600)) }
            for i in 0..<4 { _ = try await h.imagine("cat \(round) \(i)") }
            await h.server.runUntilIdle()  // 20 callbacks queued
            if round % 2 == 0 { await recorder.waitFor(count: 1 + round % 7) }
            await h.shutdown()
            await h.server.waitForCallbacks()  // returns at once after a stop
            let stats = await h.server.controls.stats()
            #expect(stats.callbacksDelivered + stats.callbacksFailed <= 20)
            #expect(await recorder.received.count == stats.callbacksDelivered)
            await recorder.shutdown()
        }
    }

    /// Harness teardowns and `defer`s can stop a server twice, even at the same time.
    @Test func stoppingTwiceAtOnceIsHarmless() async throws {
        for _ in 0..<Self.rounds {
            let recorder = try await CallbackRecorder.start(logger: Self.quiet)
            let h = try await Harness.start { $0.globalNotifyHook = recorder.url }
            _ = try await h.imagine()
            await h.server.runUntilIdle()
            async let simulatorA: Void = h.shutdown()
            async let simulatorB: Void = h.shutdown()
            async let recorderA: Void = recorder.shutdown()
            async let recorderB: Void = recorder.shutdown()
            _ = await (simulatorA, simulatorB, recorderA, recorderB)
            #expect(await Self.refusesConnections(recorder.url))
            #expect(await Self.refusesConnections(h.server.baseURL + "/mj/task/list"))
            await h.shutdown()
        }
    }
}
