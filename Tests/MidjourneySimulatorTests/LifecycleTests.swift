import Foundation
import MidjourneySimulator
import Testing

@Suite(.timeLimit(.minutes(2))) struct LifecycleTests {
    @Test(arguments: SimulatorFlavor.allCases)
    func imagineGoesThroughEveryStatusInOrder(flavor: SimulatorFlavor) async throws {
        try await withSimulator(flavor) { h in
            let submit = try await h.post("/mj/submit/imagine", #"{"prompt":"dog playing ball","state":"irc:#art:alice"}"#)
            #expect(submit.status == 200)
            #expect(submit.code == 1)
            #expect(submit.object["description"] as? String == "提交成功")
            let id = try #require(submit.result)
            #expect(id.count == 16 && id.allSatisfy(\.isNumber))
            #expect(id.hasPrefix("1748339029401"))
            #expect(submit.properties["discordInstanceId"] is String)
            #expect((submit.properties["discordChannelId"] != nil) == (flavor == .trueai))

            var task = try await h.fetch(id)
            #expect(task["status"] as? String == "NOT_START")
            #expect(task["action"] as? String == "IMAGINE")
            #expect(task["state"] as? String == "irc:#art:alice")
            #expect(task["startTime"] is NSNull)

            // timing .instant: start delay 1 ms, steps 25/50/75 every 1 ms.
            await h.server.advance(by: .milliseconds(1))
            task = try await h.fetch(id)
            #expect(task["status"] as? String == "SUBMITTED")
            #expect(task["progress"] as? String == "0%")
            #expect(task["startTime"] as? Int == 1_748_339_029_402)

            for expected in ["25%", "50%", "75%"] {
                await h.server.advance(by: .milliseconds(1))
                task = try await h.fetch(id)
                #expect(task["status"] as? String == "IN_PROGRESS")
                #expect(task["progress"] as? String == expected)
                #expect((task["buttons"] as? [Any])?.isEmpty == true)
            }
            await h.server.advance(by: .milliseconds(1))
            task = try await h.fetch(id)
            #expect(task["status"] as? String == "SUCCESS")
            #expect(task["progress"] as? String == "100%")
            #expect(task["finishTime"] as? Int == 1_748_339_029_406)
            #expect(task["failReason"] is NSNull)
            let properties = try #require(task["properties"] as? [String: Any])
            #expect(properties["finalPrompt"] as? String == "dog playing ball --v 7.0")
            let hash = try #require(properties["messageHash"] as? String)
            #expect(hash.count == 36)
            let ids = buttonIds(task)
            #expect(ids == (1...4).map { "MJ::JOB::upsample::\($0)::\(hash)" }
                + ["MJ::JOB::reroll::0::\(hash)::SOLO"] + (1...4).map { "MJ::JOB::variation::\($0)::\(hash)" })
            let url = try #require(task["imageUrl"] as? String)
            #expect(url.hasPrefix(h.server.baseURL + "/attachments/"))
            #expect(url.contains("?ex=") && url.contains("&is=") && url.contains("&hm=") && url.hasSuffix("&"))
        }
    }

    @Test func taskIdsAreDistinctStrings() async throws {
        try await withSimulator { h in
            var ids = Set<String>()
            for i in 0..<12 { ids.insert(try await h.imagine("cat \(i)")) }
            #expect(ids.count == 12)
        }
    }

    @Test func modePrefixesWork() async throws {
        try await withSimulator(.trueai) { h in
            for (prefix, mode) in [("/mj-relax", "RELAX"), ("/mj-turbo", "TURBO"), ("/mj-fast", "FAST")] {
                let r = try await h.post("\(prefix)/mj/submit/imagine", #"{"prompt":"a fox"}"#)
                let id = try #require(r.result)
                let task = try await h.request("GET", "\(prefix)/mj/task/\(id)/fetch").object
                #expect(task["mode"] as? String == mode)
            }
        }
    }

    @Test func pathWithoutMjIs404() async throws {
        try await withSimulator(.novicezk) { h in
            let r = try await h.post("/submit/imagine", #"{"prompt":"a fox"}"#)
            #expect(r.status == 404)
            #expect(r.object["path"] as? String == "/submit/imagine")
            let wrongMethod = try await h.request("GET", "/mj/submit/imagine")
            #expect(wrongMethod.status == 405)
        }
    }

    @Test func failNextTasksFailsWithTheGivenReason() async throws {
        try await withSimulator { h in
            await h.server.controls.failNextTasks(1, reason: "[Invalid parameter] Invalid value")
            let failing = try await h.imagine("one")
            let fine = try await h.imagine("two")
            await h.server.runUntilIdle()
            let failed = try await h.fetch(failing)
            #expect(failed["status"] as? String == "FAILURE")
            #expect(failed["failReason"] as? String == "[Invalid parameter] Invalid value")
            #expect(failed["progress"] as? String == "")
            #expect(try await h.fetch(fine)["status"] as? String == "SUCCESS")
        }
    }

    @Test func replaceImageUrlOfNextTasksHandsBackTheGivenStringVerbatim() async throws {
        try await withSimulator { h in
            let hostile = "http://x/a.png\r\nQUIT :x\u{0}\u{1}ACTION x\u{1}"
            await h.server.controls.replaceImageUrlOfNextTasks(1, with: hostile)
            let replaced = try await h.imagine("one")
            let normal = try await h.imagine("two")
            await h.server.runUntilIdle()
            let task = try await h.fetch(replaced)
            #expect(task["status"] as? String == "SUCCESS")
            #expect(task["imageUrl"] as? String == hostile)
            // Only the next task: the one after it gets its own signed link again.
            let other = try await h.fetch(normal)
            #expect(other["status"] as? String == "SUCCESS")
            let link = try #require(other["imageUrl"] as? String)
            #expect(link != hostile && link.hasPrefix("http"))
        }
    }

    @Test func stuckTasksStayUntilReleasedOrTimedOut() async throws {
        try await withSimulator(.trueai, configure: { $0.timing.executionTimeout = .seconds(300) }) { h in
            await h.server.controls.stick(atPercent: 50)
            let id = try await h.imagine()
            await h.server.advance(by: .seconds(10))
            var task = try await h.fetch(id)
            #expect(task["status"] as? String == "IN_PROGRESS")
            #expect(task["progress"] as? String == "50%")
            await h.server.controls.stick(atPercent: nil)
            await h.server.runUntilIdle()
            task = try await h.fetch(id)
            #expect(task["status"] as? String == "SUCCESS")

            await h.server.controls.stick(atPercent: 0)
            let stuck = try await h.imagine("never")
            await h.server.advance(by: .seconds(299))
            #expect(try await h.fetch(stuck)["progress"] as? String == "0%")
            await h.server.advance(by: .seconds(2))
            task = try await h.fetch(stuck)
            #expect(task["status"] as? String == "FAILURE")
            #expect(task["failReason"] as? String == "执行超时 5 分钟")
        }
    }

    @Test func novicezkShowsPreviewDuringProgressAndTimesOutInItsOwnWords() async throws {
        try await withSimulator(.novicezk, configure: { $0.timing.executionTimeout = .seconds(60) }) { h in
            let id = try await h.imagine()
            await h.server.advance(by: .milliseconds(2))
            #expect(try await h.fetch(id)["imageUrl"] as? String != nil)
            await h.server.controls.stick(atPercent: 25)
            await h.server.advance(by: .seconds(61))
            let task = try await h.fetch(id)
            #expect(task["failReason"] as? String == "任务超时")
            #expect(task["imageUrl"] is NSNull)
        }
    }

    @Test func outageAnswers502AndFreezesJobs() async throws {
        try await withSimulator { h in
            let id = try await h.imagine()
            await h.server.controls.setOutage(true)
            let r = try await h.post("/mj/submit/imagine", #"{"prompt":"x"}"#)
            #expect(r.status == 502)
            await h.server.advance(by: .seconds(5))
            await h.server.controls.setOutage(false)
            #expect(try await h.fetch(id)["status"] as? String == "NOT_START")
            await h.server.runUntilIdle()
            #expect(try await h.fetch(id)["status"] as? String == "SUCCESS")
        }
    }

    @Test func injectedHTTPErrors() async throws {
        try await withSimulator { h in
            await h.server.controls.failRequests(fraction: 1, statuses: [502])
            let r = try await h.post("/mj/submit/imagine", #"{"prompt":"x"}"#)
            #expect(r.status == 502)
            await h.server.controls.failRequests(fraction: 1, statuses: [500])
            #expect(try await h.request("GET", "/mj/task/1/fetch").status == 500)
            await h.server.controls.failRequests(fraction: 0)
            #expect(try await h.post("/mj/submit/imagine", #"{"prompt":"x"}"#).code == 1)
            let stats = await h.server.controls.stats()
            #expect(stats.injectedHTTPErrors == 2)
        }
    }

    @Test func slowResponsesOutlastAShortClientTimeout() async throws {
        try await withSimulator { h in
            await h.server.controls.slowResponses(.seconds(3))
            await #expect(throws: (any Error).self) {
                _ = try await h.request("GET", "/mj/task/1/fetch", timeoutSeconds: 1)
            }
            await h.server.controls.slowResponses(.zero)
        }
    }

    @Test func realTimeClockFinishesJobsOnItsOwn() async throws {
        let recorder = try await CallbackRecorder.start()
        let server = try await SimulatorServer.start(configuration: SimulatorConfiguration(
            timing: .quick, clock: .realTime(tick: .milliseconds(5)), globalNotifyHook: recorder.url))
        let h = Harness(server: server)
        let id = try await h.imagine()
        await recorder.waitFor(count: 5)  // SUBMITTED, 3 progress steps, SUCCESS
        #expect(try await h.fetch(id)["status"] as? String == "SUCCESS")
        await server.shutdown()
        await recorder.shutdown()
    }
}
