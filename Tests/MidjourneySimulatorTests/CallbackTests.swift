import Foundation
import MidjourneySimulator
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(2))) struct CallbackTests {
    /// Runs `body` with a recorder whose URL is the global notify hook.
    func withHook(_ flavor: SimulatorFlavor = .trueai,
                  _ body: (Harness, CallbackRecorder) async throws -> Void) async throws {
        let recorder = try await CallbackRecorder.start()
        do {
            try await withSimulator(flavor, configure: { $0.globalNotifyHook = recorder.url }) { h in try await body(h, recorder) }
        } catch {
            await recorder.shutdown()
            throw error
        }
        await recorder.shutdown()
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func everyForwardChangeIsPostedOnce(flavor: SimulatorFlavor) async throws {
        try await withHook(flavor) { h, recorder in
            let id = try await h.imagine(extra: #","state":"s1""#)
            await h.server.runUntilIdle()
            await h.server.waitForCallbacks()
            let got = await recorder.received
            #expect(got.map(\.status) == ["SUBMITTED", "IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "SUCCESS"])
            #expect(got.map(\.progress) == ["0%", "25%", "50%", "75%", "100%"])
            #expect(got.allSatisfy { $0.taskId == id })
            // Full task JSON, same as fetch.
            let last = try #require(got.last)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(last.body)) as? [String: Any])
            #expect(json["state"] as? String == "s1")
            #expect((json["buttons"] as? [Any])?.count == 9)
            #expect(json["imageUrl"] as? String == (try await h.fetch(id))["imageUrl"] as? String)
            let stats = await h.server.controls.stats()
            #expect(stats.callbacksQueued == 5 && stats.callbacksDelivered == 5)
        }
    }

    @Test func perTaskHookWinsOverGlobalOne() async throws {
        let mine = try await CallbackRecorder.start()
        try await withHook { h, global in
            _ = try await h.imagine(extra: #","notifyHook":"\#(mine.url)""#)
            _ = try await h.imagine("no hook")
            await h.server.runUntilIdle()
            await h.server.waitForCallbacks()
            #expect(await mine.received.count == 5)
            #expect(await global.received.count == 5)
        }
        await mine.shutdown()
    }

    @Test func noHookNoCallback() async throws {
        try await withSimulator { h in
            _ = try await h.imagine()
            await h.server.runUntilIdle()
            #expect(await h.server.controls.stats().callbacksQueued == 0)
        }
    }

    @Test func modalCreationSendsNothingButCancelDoes() async throws {
        try await withHook { h, recorder in
            let grid = try await h.finishedImagine()
            let upId = try #require(try await h.press(grid, label: "U1").result)
            await h.server.runUntilIdle()
            let modal = try #require(try await h.press(try await h.fetch(upId), label: "Custom Zoom").result)
            await h.server.waitForCallbacks()
            let before = await recorder.received.count
            #expect(!(await recorder.received.contains { $0.taskId == modal }))
            _ = try await h.post("/mj/task/\(modal)/cancel", "")
            await h.server.waitForCallbacks()
            let got = await recorder.received
            #expect(got.count == before + 1)
            #expect(got.last?.status == "FAILURE")
        }
    }

    @Test func dropAll() async throws {
        try await withHook { h, recorder in
            await h.server.controls.dropCallbacks(fraction: 1)
            _ = try await h.imagine()
            await h.server.runUntilIdle()
            await h.server.waitForCallbacks()
            #expect(await recorder.received.isEmpty)
            #expect(await h.server.controls.stats().callbacksDropped == 5)
        }
    }

    @Test func dropSomeIsSeededAndPartial() async throws {
        try await withHook { h, recorder in
            await h.server.controls.dropCallbacks(fraction: 0.5)
            for i in 0..<8 { _ = try await h.imagine("p\(i)") }
            await h.server.runUntilIdle()
            await h.server.waitForCallbacks()
            let stats = await h.server.controls.stats()
            let got = await recorder.received.count
            #expect(stats.callbacksQueued == 40)
            #expect(stats.callbacksDropped > 0 && stats.callbacksDropped < 40)
            #expect(got == 40 - stats.callbacksDropped)
        }
    }

    @Test func duplicateAll() async throws {
        try await withHook { h, recorder in
            await h.server.controls.duplicateCallbacks(fraction: 1)
            _ = try await h.imagine()
            await h.server.runUntilIdle()
            await h.server.waitForCallbacks()
            let got = await recorder.received
            #expect(got.map(\.progress) == ["0%", "0%", "25%", "25%", "50%", "50%", "75%", "75%", "100%", "100%"])
        }
    }

    @Test func reorderSwapsNeighboursAndTerminalOvertakes() async throws {
        try await withHook { h, recorder in
            await h.server.controls.reorderCallbacks(true)
            _ = try await h.imagine()
            await h.server.runUntilIdle()
            await h.server.waitForCallbacks()
            let got = await recorder.received
            #expect(got.map(\.progress) == ["25%", "0%", "75%", "50%", "100%"])

            _ = try await h.imagine("with a held one")
            await h.server.advance(by: .milliseconds(3))  // SUBMITTED, 25 → sent swapped; 50 held
            await h.server.controls.reorderCallbacks(false)  // releases the held 50%
            await h.server.runUntilIdle()
            await h.server.waitForCallbacks()
            let tail = Array(await recorder.received.dropFirst(5))
            #expect(tail.map(\.progress) == ["25%", "0%", "50%", "75%", "100%"])
        }
    }

    @Test func delayedCallbacksStillArriveInOrder() async throws {
        try await withHook { h, recorder in
            await h.server.controls.delayCallbacks(.milliseconds(20))
            _ = try await h.imagine()
            await h.server.runUntilIdle()
            await recorder.waitFor(count: 5)
            #expect(await recorder.received.map(\.progress) == ["0%", "25%", "50%", "75%", "100%"])
        }
    }

    @Test func unreachableHookIsNotRetried() async throws {
        try await withSimulator(.trueai, configure: { $0.globalNotifyHook = "http://127.0.0.1:1/hook" }) { h in
            _ = try await h.imagine()
            await h.server.runUntilIdle()
            await h.server.waitForCallbacks()
            let stats = await h.server.controls.stats()
            #expect(stats.callbacksFailed == 5)
            #expect(stats.callbacksDelivered == 0)
        }
    }

    @Test func aParkedTaskCompletesWhenTold() async throws {
        try await withHook { h, recorder in
            await h.server.controls.stick(atPercent: 50)
            let id = try await h.imagine("parked fox")
            // Not runUntilIdle: that would run on to the execution timeout, which fails a parked task.
            await h.server.advance(by: .seconds(1))
            await h.server.waitForCallbacks()
            let parked = await h.server.controls.parkedTasks()
            #expect(parked.map(\.id) == [id])
            #expect(parked.first?.prompt == "parked fox")
            let before = await recorder.received.count
            #expect(await h.server.controls.completeParked(id))
            await recorder.waitFor(count: before + 1)
            #expect(await recorder.received.last?.status == "SUCCESS")
            #expect(await h.server.controls.parkedTasks().isEmpty)
            // Done already, and an unknown id: nothing to complete.
            #expect(await h.server.controls.completeParked(id) == false)
            #expect(await h.server.controls.completeParked("123") == false)
        }
    }

    @Test func aParkedTaskThatTimedOutIsNotCompleted() async throws {
        try await withHook { h, _ in
            await h.server.controls.stick(atPercent: 50)
            let id = try await h.imagine("late fox")
            await h.server.runUntilIdle()  // on to the execution timeout
            #expect(try await h.fetch(id)["status"] as? String == "FAILURE")
            #expect(await h.server.controls.parkedTasks().isEmpty)
            #expect(await h.server.controls.completeParked(id) == false)
        }
    }

    @Test func concurrentSenderPostsEveryCallbackAndTellsTheObserver() async throws {
        let recorder = try await CallbackRecorder.start()
        let observed = Mutex<[String]>([])
        try await withSimulator(.trueai, configure: {
            $0.globalNotifyHook = recorder.url
            $0.callbackConcurrency = 8
        }) { h in
            await h.server.controls.observeCallbackPosts { id, status in observed.withLock { $0.append("\(id) \(status)") } }
            var ids: [String] = []
            for i in 0..<4 { ids.append(try await h.imagine("fox \(i)")) }
            await h.server.runUntilIdle()
            await h.server.waitForCallbacks()
            let got = await recorder.received
            #expect(got.count == 20)
            for id in ids {
                // Order across tasks is free with several senders; every change still arrives once.
                #expect(got.filter { $0.taskId == id }.compactMap(\.progress).sorted() == ["0%", "100%", "25%", "50%", "75%"])
            }
            let stats = await h.server.controls.stats()
            #expect(stats.callbacksDelivered == 20 && stats.callbacksFailed == 0)
            #expect(observed.withLock { $0.count } == 20)
            #expect(observed.withLock { $0.filter { $0.hasSuffix(" SUCCESS") }.count } == 4)
        }
        await recorder.shutdown()
    }
}
