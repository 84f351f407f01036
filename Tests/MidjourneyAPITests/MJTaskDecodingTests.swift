import Foundation
import Testing
@testable import MidjourneyAPI

@Suite("Task decoding")
struct MJTaskDecodingTests {
    @Test func trueaiTaskWithExtraFields() throws {
        let task = try MJTask.decode(ContractFixtures.trueaiTask.data)
        #expect(task.id == "1748339029401828")
        #expect(task.action == .imagine)
        #expect(task.status == .success)
        #expect(task.isTerminal)
        #expect(task.progress == 100)
        #expect(task.prompt == "dog playing ball --v 7")
        #expect(task.state == "irc:#art:alice")
        #expect(task.submitTime == 1748339029401)
        #expect(task.finishTime == 1748339072775)
        #expect(task.imageUrl?.hasSuffix("?ex=68a1&is=68a0&hm=abc") == true)
        #expect(task.failReason == nil)
        #expect(task.buttons.count == 3)
        #expect(task.buttons.map(\.kind) == [.upscale(1), .reroll, .variation(1)])
        #expect(task.properties.finalPrompt == "dog playing ball --v 7.0")
        #expect(task.properties.messageHash == "0ddb91a0-af46-4ae9-8e8e-c271074eb6e6")
        #expect(task.properties.notifyHook == nil)
        #expect(task.properties["action_index"]?.intValue == 1)
        #expect(task.imageUrls == ["https://cdn.midjourney.com/0ddb91a0/0_0.png", "https://cdn.midjourney.com/0ddb91a0/0_1.png"])
        #expect(task.button(.variation(1))?.customId == "MJ::JOB::variation::1::0ddb91a0-af46-4ae9-8e8e-c271074eb6e6")
        #expect(task.button(.upscale(4)) == nil)
    }

    /// Review finding 1: a hostile proxy's thousands of `imageUrls` are not all kept.
    @Test func imageUrlsAreBounded() throws {
        let urls = (1...500).map { "\"https://cdn.example/\($0).png\"" }.joined(separator: ",")
        let task = try MJTask.decode(#"{"id":"1","status":"SUCCESS","imageUrls":["#.data + urls.data + "]}".data)
        #expect(task.imageUrls.count == MJTask.maxImageUrls)
        #expect(task.imageUrls.first == "https://cdn.example/1.png")
    }

    @Test func viaJSONDecoderToo() throws {
        let task = try JSONDecoder().decode(MJTask.self, from: ContractFixtures.trueaiTask.data)
        #expect(task.id == "1748339029401828")
        let tasks = try JSONDecoder().decode([MJTask].self, from: "[\(ContractFixtures.gatewayTask)]".data)
        #expect(tasks.count == 1)
    }

    @Test func gatewayReducedTask() throws {
        let task = try MJTask.decode(ContractFixtures.gatewayTask.data)
        #expect(task.status == .inProgress)
        #expect(!task.isTerminal)
        #expect(task.progress == 42)
        #expect(task.order == 342)
        #expect(task.state == nil, "empty strings count as absent")
        #expect(task.finishTime == nil, "gateways write 0 for not yet")
        #expect(task.buttons.isEmpty)
        #expect(task.videoUrl == nil)
        #expect(task.properties.finalPrompt == nil)
        #expect(task.imageUrl == "https://gw.example/mj/image/1748339029401900?rand=1748339050")
    }

    @Test func failedTaskWithEmptyProgress() throws {
        let task = try MJTask.decode(ContractFixtures.failedTask.data)
        #expect(task.status == .failure)
        #expect(task.isTerminal)
        #expect(task.progress == nil)
        #expect(task.failReason == "[Invalid parameter] Invalid value")
        #expect(task.startTime == nil)
        #expect(task.buttons.isEmpty)
    }

    @Test func unknownStatusAndActionAreKeptRaw() throws {
        let task = try MJTask.decode(ContractFixtures.oddTask.data)
        #expect(task.id == "1748339029401999")
        #expect(task.action?.rawValue == "RETEXTURE")
        #expect(task.status.rawValue == "PAUSED")
        #expect(!task.status.isKnown)
        #expect(!task.isTerminal)
        #expect(task.status.rank == 0)
        #expect(task.progress == 37)
        #expect(task.submitTime == 1748339029401)
    }

    @Test func roundTripKeepsEverything() throws {
        let original = try MJTask.decode(ContractFixtures.trueaiTask.data)
        let encoded = try JSONEncoder().encode(original)
        let again = try MJTask.decode(encoded)
        #expect(again == original)
        let json = try #require(try JSONValue.parse(encoded))
        #expect(json["progress"] == .string("100%"))
        #expect(json["status"] == .string("SUCCESS"))
    }

    @Test func taskWithoutIdIsADecodingError() {
        #expect(throws: MJError.self) { try MJTask.decode(#"{"status":"SUCCESS"}"#.data) }
        #expect(throws: MJError.self) { try MJTask.decode("not json".data) }
        #expect(throws: (any Error).self) { try JSONDecoder().decode(MJTask.self, from: #"{"status":"SUCCESS"}"#.data) }
    }

    @Test func buttonsWithoutCustomIdAreDropped() throws {
        let task = try MJTask.decode(#"""
        {"id":"1","status":"SUCCESS","buttons":[{"label":"Web","style":5,"url":"https://midjourney.com/jobs/x"},
          {"customId":"MJ::JOB::upsample::2::h","label":"U2"}, 7]}
        """#.data)
        #expect(task.buttons.map(\.customId) == ["MJ::JOB::upsample::2::h"])
    }

    @Test(arguments: [
        ("\"0%\"", 0), ("\"15%\"", 15), ("\"100%\"", 100), ("\" 93% \"", 93), ("\"12.5%\"", 12), ("64", 64), ("\"77\"", 77),
    ])
    func progressForms(raw: String, expected: Int) throws {
        let task = try MJTask.decode(#"{"id":"1","status":"IN_PROGRESS","progress":\#(raw)}"#.data)
        #expect(task.progress == expected)
    }

    @Test(arguments: ["\"\"", "null", "\"n/a\""])
    func progressAbsent(raw: String) throws {
        let task = try MJTask.decode(#"{"id":"1","status":"FAILURE","progress":\#(raw)}"#.data)
        #expect(task.progress == nil)
    }

    @Test func statusRanksFollowTheContract() {
        #expect(TaskStatus.notStart.rank == 0)
        #expect(TaskStatus.modal.rank == 0)
        #expect(TaskStatus.submitted.rank == 1)
        #expect(TaskStatus.inProgress.rank == 3)
        #expect(TaskStatus.success.rank == 4)
        #expect(TaskStatus.failure.rank == 4)
        #expect(TaskStatus.cancel.rank == 4)
        #expect(TaskStatus.known.filter(\.isTerminal) == [.success, .failure, .cancel])
    }

    @Test func orderMovesForwardThroughALifecycle() {
        let steps: [MJTask] = [
            MJTask(id: "1", status: .notStart),
            MJTask(id: "1", status: .submitted, progress: 0),
            MJTask(id: "1", status: .inProgress, progress: 15),
            MJTask(id: "1", status: .inProgress, progress: 93),
            MJTask(id: "1", status: .success, progress: 100),
        ]
        for (earlier, later) in zip(steps, steps.dropFirst()) {
            #expect(earlier.order < later.order, "\(earlier.status) \(earlier.progress ?? -1) before \(later.status)")
        }
    }

    @Test func datesFromMilliseconds() throws {
        let task = try MJTask.decode(ContractFixtures.trueaiTask.data)
        #expect(task.submitDate == Date(timeIntervalSince1970: 1748339029.401))
    }
}
