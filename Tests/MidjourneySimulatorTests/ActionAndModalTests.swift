import Foundation
import MidjourneySimulator
import Testing

@Suite(.timeLimit(.minutes(2))) struct ActionAndModalTests {
    @Test func upscaleGivesTheVersionSpecificButtonSet() async throws {
        try await withSimulator { h in
            let grid = try await h.finishedImagine("red fox")
            let r = try await h.press(grid, label: "U2")
            #expect(r.code == 1)
            let id = try #require(r.result)
            await h.server.runUntilIdle()
            let up = try await h.fetch(id)
            #expect(up["action"] as? String == "UPSCALE")
            #expect(up["parentId"] as? String == grid["id"] as? String)
            let hash = try #require((up["properties"] as? [String: Any])?["messageHash"] as? String)
            let ids = buttonIds(up)
            #expect(ids.first == "MJ::JOB::upsample_v7_2x_subtle::1::\(hash)::SOLO")
            #expect(ids.contains("MJ::JOB::upsample_v7_2x_creative::1::\(hash)::SOLO"))
            #expect(ids.contains("MJ::Inpaint::1::\(hash)::SOLO"))
            #expect(ids.contains("MJ::Outpaint::50::1::\(hash)::SOLO"))
            #expect(ids.contains("MJ::Outpaint::75::1::\(hash)::SOLO"))
            #expect(ids.contains("MJ::CustomZoom::\(hash)"))
            #expect(ids.contains("MJ::JOB::pan_left::1::\(hash)::SOLO"))
            #expect(ids.contains("MJ::JOB::low_variation::1::\(hash)::SOLO"))
            #expect(ids.contains("MJ::JOB::high_variation::1::\(hash)::SOLO"))
            let labels = (up["buttons"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
            #expect(labels.contains("Upscale (Subtle)") && labels.contains("Vary (Region)") && labels.contains("Custom Zoom"))

            let hd = try await h.press(up, label: "Upscale (Creative)")
            await h.server.runUntilIdle()
            #expect(try await h.fetch(try #require(hd.result))["action"] as? String == "UPSCALE_HD")
        }
    }

    @Test(arguments: [("--v 6", "upsample_v6_2x_subtle"), ("--v 6.1", "upsample_v6r1_2x_subtle"),
                      ("--v 5.2", "upsample_v5_2x")])
    func olderVersionsGetTheirOwnUpscalers(suffix: String, expected: String) async throws {
        try await withSimulator { h in
            let grid = try await h.finishedImagine("owl \(suffix)")
            let id = try #require(try await h.press(grid, label: "U1").result)
            await h.server.runUntilIdle()
            #expect(buttonIds(try await h.fetch(id)).first?.hasPrefix("MJ::JOB::\(expected)::1::") == true)
        }
    }

    @Test func version8HasNoZoomOrPan() async throws {
        try await withSimulator { h in
            let grid = try await h.finishedImagine("owl --v 8")
            let id = try #require(try await h.press(grid, label: "U1").result)
            await h.server.runUntilIdle()
            let ids = buttonIds(try await h.fetch(id))
            #expect(!ids.contains { $0.contains("Outpaint") || $0.contains("pan_") || $0.contains("upsample") })
        }
    }

    @Test func actionErrorsPerFlavor() async throws {
        try await withSimulator(.trueai) { h in
            let missing = try await h.post("/mj/submit/action", #"{"taskId":"404","customId":"MJ::JOB::upsample::1::x"}"#)
            #expect(missing.status == 404)
            #expect(missing.code == 3)
            #expect(missing.object["description"] as? String == "关联任务不存在或已失效")
            let running = try await h.imagine()
            let notDone = try await h.post("/mj/submit/action", #"{"taskId":"\#(running)","customId":"MJ::JOB::upsample::1::x"}"#)
            #expect(notDone.code == 4)
            #expect(notDone.object["description"] as? String == "关联任务状态错误")
            await h.server.runUntilIdle()
            let unknown = try await h.post("/mj/submit/action", #"{"taskId":"\#(running)","customId":"MJ::Weird::1"}"#)
            #expect(unknown.code == 4)
            #expect(unknown.object["description"] as? String == "未知的 Action 类型")
            let bookmark = try await h.post("/mj/submit/action", #"{"taskId":"\#(running)","customId":"MJ::BOOKMARK::abc"}"#)
            #expect(bookmark.code == 4)
        }
        try await withSimulator(.novicezk) { h in
            let missing = try await h.post("/mj/submit/action", #"{"taskId":"404","customId":"MJ::JOB::upsample::1::x"}"#)
            #expect(missing.status == 200)
            #expect(missing.code == 3)
        }
    }

    @Test func inventedCustomIdFailsTheTask() async throws {
        try await withSimulator { h in
            let grid = try await h.finishedImagine()
            let gridId = try #require(grid["id"] as? String)
            // The classic client bug: building the customId from the task id instead of the job hash.
            let r = try await h.post("/mj/submit/action", #"{"taskId":"\#(gridId)","customId":"MJ::JOB::upsample::1::\#(gridId)"}"#)
            #expect(r.code == 1)
            await h.server.runUntilIdle()
            let task = try await h.fetch(try #require(r.result))
            #expect(task["status"] as? String == "FAILURE")
            #expect(task["failReason"] as? String == "Invalid Form Body")
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func customZoomNeedsTheModalAndZoomValue(flavor: SimulatorFlavor) async throws {
        try await withSimulator(flavor) { h in
            let grid = try await h.finishedImagine("castle")
            let upId = try #require(try await h.press(grid, label: "U3").result)
            await h.server.runUntilIdle()
            let up = try await h.fetch(upId)

            let zoom = try await h.press(up, label: "Custom Zoom")
            #expect(zoom.code == 21)
            #expect(zoom.object["description"] as? String == (flavor == .trueai ? "Waiting for window confirm" : "窗口等待"))
            #expect(zoom.properties["finalPrompt"] as? String == "castle --v 7.0")
            #expect(zoom.properties["remix"] as? Bool == true)
            let modalId = try #require(zoom.result)
            var modalTask = try await h.fetch(modalId)
            #expect(modalTask["status"] as? String == "MODAL")
            #expect(modalTask["description"] as? String == "Waiting for window confirm")
            #expect((modalTask["properties"] as? [String: Any])?["remix"] as? Bool == true)
            // A MODAL task takes no slot and does not move on its own.
            await h.server.runUntilIdle()
            #expect(try await h.fetch(modalId)["status"] as? String == "MODAL")

            let confirm = try await h.post("/mj/submit/modal", #"{"taskId":"\#(modalId)","prompt":"castle --zoom 1.5"}"#)
            #expect(confirm.code == 1)
            #expect(confirm.result == modalId)
            await h.server.runUntilIdle()
            modalTask = try await h.fetch(modalId)
            #expect(modalTask["status"] as? String == "SUCCESS")
            #expect(modalTask["action"] as? String == "ZOOM")
            #expect(modalTask["prompt"] as? String == "castle --zoom 1.5")
            #expect(buttonIds(modalTask).count == 9)

            let again = try await h.post("/mj/submit/modal", #"{"taskId":"\#(modalId)","prompt":"x"}"#)
            #expect(again.code == 4)

            let second = try #require(try await h.press(up, label: "Custom Zoom").result)
            #expect(try await h.post("/mj/submit/modal", #"{"taskId":"\#(second)","prompt":"castle"}"#).code == 1)
            await h.server.runUntilIdle()
            let failed = try await h.fetch(second)
            #expect(failed["status"] as? String == "FAILURE")
            #expect((failed["failReason"] as? String)?.contains("--zoom") == true)

            let missing = try await h.post("/mj/submit/modal", #"{"taskId":"nope","prompt":"x"}"#)
            #expect(missing.code == 3)
            #expect(missing.status == (flavor == .trueai ? 404 : 200))
        }
    }

    @Test func varyRegionNeedsAMask() async throws {
        try await withSimulator { h in
            let grid = try await h.finishedImagine()
            let upId = try #require(try await h.press(grid, label: "U1").result)
            await h.server.runUntilIdle()
            let region = try await h.press(try await h.fetch(upId), label: "Vary (Region)")
            #expect(region.code == 21)
            let id = try #require(region.result)
            #expect(try await h.post("/mj/submit/modal", #"{"taskId":"\#(id)"}"#).code == 4)
            let ok = try await h.post("/mj/submit/modal", #"{"taskId":"\#(id)","maskBase64":"\#(samplePNGDataURL)"}"#)
            #expect(ok.code == 1)
            await h.server.runUntilIdle()
            let task = try await h.fetch(id)
            #expect(task["status"] as? String == "SUCCESS")
            #expect(task["action"] as? String == "VARIATION")
        }
    }

    @Test func remixTurnsVariationsIntoModals() async throws {
        try await withSimulator(.trueai, configure: { $0.remix = true }) { h in
            let grid = try await h.finishedImagine("bird")
            let v = try await h.press(grid, label: "V2")
            #expect(v.code == 21)
            let reroll = try await h.press(grid, emoji: "🔄")
            #expect(reroll.code == 21)
            #expect(try await h.press(grid, label: "U2").code == 1)
            // DY-style auto-confirm: no prompt keeps the pre-filled one.
            let id = try #require(v.result)
            #expect(try await h.post("/mj/submit/modal", #"{"taskId":"\#(id)"}"#).code == 1)
            await h.server.runUntilIdle()
            let task = try await h.fetch(id)
            #expect(task["action"] as? String == "VARIATION")
            #expect(task["prompt"] as? String == "bird --v 7.0")
        }
        try await withSimulator(.trueai, configure: { $0.remix = false }) { h in
            let grid = try await h.finishedImagine("bird")
            #expect(try await h.press(grid, label: "V2").code == 1)
            #expect(try await h.press(grid, label: "V3", extra: #","enableRemix":true"#).code == 21)
            await h.server.controls.setRemix(true)
            #expect(try await h.press(grid, label: "V4").code == 21)
        }
    }

    @Test func rerollActionNamePerFlavor() async throws {
        try await withSimulator(.trueai) { h in
            let grid = try await h.finishedImagine()
            let id = try #require(try await h.press(grid, emoji: "🔄").result)
            #expect(try await h.fetch(id)["action"] as? String == "IMAGINE")
        }
        try await withSimulator(.novicezk) { h in
            let grid = try await h.finishedImagine()
            let id = try #require(try await h.press(grid, emoji: "🔄").result)
            #expect(try await h.fetch(id)["action"] as? String == "REROLL")
        }
    }

    @Test func cancelPerFlavor() async throws {
        try await withSimulator(.trueai) { h in
            let id = try await h.imagine()
            let r = try await h.post("/mj/task/\(id)/cancel", "{}")
            #expect(r.code == 1)
            let task = try await h.fetch(id)
            #expect(task["status"] as? String == "FAILURE")
            #expect(task["failReason"] as? String == "取消任务")
            #expect(try await h.post("/mj/task/\(id)/cancel", "").code == 4)
            let unknown = try await h.post("/mj/task/999/cancel", "")
            #expect(unknown.status == 404)
            #expect(unknown.code == 3)
        }
        try await withSimulator(.novicezk) { h in
            let grid = try await h.finishedImagine()
            let upId = try #require(try await h.press(grid, label: "U1").result)
            await h.server.runUntilIdle()
            let modalId = try #require(try await h.press(try await h.fetch(upId), label: "Custom Zoom").result)
            #expect(try await h.post("/mj/task/\(modalId)/cancel", "").code == 1)
            #expect(try await h.fetch(modalId)["status"] as? String == "CANCEL")
        }
    }

    @Test func cancellingARunningTaskFreesItsSlot() async throws {
        try await withSimulator(.trueai, configure: { $0.accountCoreSize = 1 }) { h in
            let first = try await h.imagine("first")
            let second = try await h.post("/mj/submit/imagine", #"{"prompt":"second"}"#)
            #expect(second.code == 22)
            _ = try await h.post("/mj/task/\(first)/cancel", "")
            await h.server.advance(by: .milliseconds(1))
            #expect(try await h.fetch(try #require(second.result))["status"] as? String == "SUBMITTED")
        }
    }

    @Test func legacyChangeOnNovicezkOnly() async throws {
        try await withSimulator(.novicezk) { h in
            let grid = try await h.finishedImagine()
            let gridId = try #require(grid["id"] as? String)
            let r = try await h.post("/mj/submit/change", #"{"taskId":"\#(gridId)","action":"UPSCALE","index":2}"#)
            #expect(r.code == 1)
            let s = try await h.post("/mj/submit/simple-change", #"{"content":"\#(gridId) V1"}"#)
            #expect(s.code == 1)
            #expect(try await h.fetch(try #require(s.result))["action"] as? String == "VARIATION")
        }
        try await withSimulator(.trueai) { h in
            let r = try await h.post("/mj/submit/change", "{}")
            #expect(r.status == 404)
        }
    }
}
