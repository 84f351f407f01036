import Foundation
import MidjourneySimulator
import Testing

/// `GET /mj/task/list` as each flavour serves it (novicezk: every task; trueai: the newest 100;
/// switched off: 404 like a gateway that does not relay it), and the switch that makes the
/// proxy take a job while its answer is lost.
@Suite struct TaskListAndLostAnswerTests {
    @Test(arguments: [SimulatorFlavor.trueai, .novicezk])
    func taskListServesTheFlavoursShareNewestFirst(_ flavor: SimulatorFlavor) async throws {
        try await withSimulator(flavor, configure: { $0.accountQueueSize = 200 }) { h in
            var ids: [String] = []
            for i in 0..<103 { ids.append(try await h.imagine("cat \(i)")) }
            let listed = try await h.request("GET", "/mj/task/list").array.compactMap { $0["id"] as? String }
            let expected = flavor == .trueai ? Array(ids.suffix(100).reversed()) : Array(ids.reversed())
            #expect(listed == expected)
        }
    }

    @Test func taskListSwitchedOffAnswers404LikeAGateway() async throws {
        try await withSimulator(.trueai) { h in
            _ = try await h.imagine()
            let off = try await h.post("/_sim/switches", #"{"taskListAvailable":false}"#)
            #expect(off.object["taskListAvailable"] as? Bool == false)
            #expect(try await h.request("GET", "/mj/task/list").status == 404)
            await h.server.controls.setTaskListAvailable(true)
            #expect(try await h.request("GET", "/mj/task/list").array.count == 1)
        }
    }

    /// The job exists and runs; the client got a 504 after the hold instead of its id.
    @Test func aLostSubmitAnswerCreatesTheTaskAndAnswers504() async throws {
        try await withSimulator(.novicezk) { h in
            let set = try await h.post("/_sim/switches", #"{"loseSubmitAnswers":1,"lostAnswerDelayMs":0}"#)
            #expect(set.object["loseSubmitAnswers"] as? Int == 1)
            let lost = try await h.post("/mj/submit/imagine", #"{"prompt":"a lost fox","state":"s-1"}"#)
            #expect(lost.status == 504)
            #expect(lost.code == nil)
            let stats = await h.server.controls.stats()
            #expect(stats.submitAnswersLost == 1 && stats.tasksCreated == 1)
            let listed = try await h.request("GET", "/mj/task/list").array
            #expect(listed.count == 1 && listed[0]["state"] as? String == "s-1" && listed[0]["prompt"] as? String == "a lost fox")

            // Only one answer was lost; a refused submit never counts.
            #expect(try await h.post("/mj/submit/imagine", #"{"prompt":"a found fox"}"#).code == 1)
            await h.server.controls.loseSubmitAnswers(1, heldFor: .zero)
            #expect(try await h.post("/mj/submit/imagine", #"{"prompt":"badword"}"#).code == 24)
            #expect(try await h.post("/mj/submit/imagine", #"{"prompt":"another lost fox"}"#).status == 504)
            #expect(await h.server.controls.stats().submitAnswersLost == 2)
        }
    }

    /// The answer is held (the client waits) until the hold ends or the simulator stops.
    @Test func aLostAnswerIsHeldUntilShutdown() async throws {
        let h = try await Harness.start(.trueai)
        await h.server.controls.loseSubmitAnswers(1, heldFor: .seconds(3600))
        let waiting = Task { try await h.request("POST", "/mj/submit/imagine", json: #"{"prompt":"x"}"#, timeoutSeconds: 3600) }
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while await h.server.controls.stats().submitAnswersLost < 1 {
            try #require(ContinuousClock.now < deadline, "the submit never reached the simulator")
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(await h.server.controls.stats().tasksCreated == 1)
        await h.shutdown()
        #expect(try await waiting.value.status == 504)
    }
}
