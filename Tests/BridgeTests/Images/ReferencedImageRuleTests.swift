import Foundation
import MidjourneyAPI
import Store
import Testing
@testable import Bridge

@Suite struct ReferencedImageRuleTests {
    static let route = TaskRoute(network: "net", channel: "#art", nick: "alice")
    static let gridButtons = #"[{"customId":"MJ::JOB::upsample::1::abc","label":"U1","emoji":"","style":2,"type":2}]"#

    static func task(status: String, terminal: Bool, kind: String = "imagine", action: String? = "IMAGINE",
                     imageUrl: String? = "https://cdn.example/grid.png", progress: Int? = nil, buttons: String? = gridButtons) -> TaskRecord {
        let now = Date(timeIntervalSince1970: 1_748_339_029)
        var task = TaskRecord(id: "1748339029401828", route: route, kind: kind, action: action, prompt: "a fox", status: status,
                              statusRank: 1, progress: progress, isTerminal: terminal, createdAt: now, deadline: now)
        task.imageUrl = imageUrl
        task.buttonsJSON = buttons
        return task
    }

    @Test func aFinishedImageIsUsableWholeOrByGridIndex() {
        let grid = Self.task(status: "SUCCESS", terminal: true)
        #expect(ReferencedImageRule.refusal(grid, index: nil, shown: "1828") == nil)
        #expect(ReferencedImageRule.refusal(grid, index: 3, shown: "1828") == nil)
        let upscale = Self.task(status: "SUCCESS", terminal: true, kind: "u1", action: "UPSCALE", buttons: "[]")
        #expect(ReferencedImageRule.refusal(upscale, index: nil, shown: "1828") == nil)
        #expect(ReferencedImageRule.refusal(upscale, index: 2, shown: "1828")
            == "ref 1828 is a single image, not a grid: use it without /2")
    }

    @Test func unfinishedTasksSayTheirState() {
        let cases: [(String, Int?, String)] = [
            ("NOT_START", nil, "waiting to start"), ("SUBMITTED", nil, "waiting to start"),
            ("IN_PROGRESS", 40, "in progress, 40%"), ("IN_PROGRESS", nil, "in progress"), ("MODAL", nil, "waiting for a remix prompt"),
        ]
        for (status, progress, state) in cases {
            let task = Self.task(status: status, terminal: false, imageUrl: nil, progress: progress)
            #expect(ReferencedImageRule.refusal(task, index: nil, shown: "1828")
                == "ref 1828 is not finished yet (\(state)); use it once it is done")
        }
    }

    @Test func failuresAndTextResultsHaveNoImage() {
        #expect(ReferencedImageRule.refusal(Self.task(status: "FAILURE", terminal: true, imageUrl: nil), index: nil, shown: "1828")
            == "ref 1828 failed, so it has no image")
        #expect(ReferencedImageRule.refusal(Self.task(status: "CANCEL", terminal: true, imageUrl: nil), index: nil, shown: "1828")
            == "ref 1828 was cancelled, so it has no image")
        var timedOut = Self.task(status: "IN_PROGRESS", terminal: true, imageUrl: nil)
        timedOut.timedOut = true
        #expect(ReferencedImageRule.refusal(timedOut, index: nil, shown: "1828") == "ref 1828 timed out, so it has no image")
        // A describe's imageUrl (TrueAI) is the picture it was given, not a result.
        let describe = Self.task(status: "SUCCESS", terminal: true, kind: "describe", action: "DESCRIBE")
        #expect(ReferencedImageRule.refusal(describe, index: nil, shown: "1828") == "ref 1828 is a describe, which has no image")
        let shorten = Self.task(status: "SUCCESS", terminal: true, kind: "shorten", action: "SHORTEN", imageUrl: nil)
        #expect(ReferencedImageRule.refusal(shorten, index: nil, shown: "1828") == "ref 1828 is a shorten, which has no image")
        #expect(ReferencedImageRule.refusal(Self.task(status: "SUCCESS", terminal: true, imageUrl: nil), index: nil, shown: "1828")
            == "ref 1828 has no image")
    }
}
