import Foundation
import Testing
@testable import MidjourneyAPI

@Suite("Request bodies")
struct RequestEncodingTests {
    func json(_ value: some Encodable) throws -> JSONValue {
        try #require(try JSONValue.parse(try JSONEncoder().encode(value)))
    }

    @Test func imagineOmitsNilFields() throws {
        let body = try json(ImagineRequest(prompt: "cat"))
        #expect(body == .object(["prompt": .string("cat")]))
    }

    @Test func imagineWithEverything() throws {
        let body = try json(ImagineRequest(prompt: "cat", base64Array: ["data:image/png;base64,AA=="], botType: .niji,
                                           state: "s", notifyHook: "http://bot/cb",
                                           accountFilter: AccountFilter(instanceId: "1", modes: ["RELAX", "FAST"], remix: false)))
        #expect(body["botType"] == .string("NIJI_JOURNEY"))
        #expect(body["base64Array"] == .array([.string("data:image/png;base64,AA==")]))
        #expect(body["notifyHook"] == .string("http://bot/cb"))
        #expect(body["state"] == .string("s"))
        #expect(body["accountFilter"] == .object(["instanceId": .string("1"), "modes": .array([.string("RELAX"), .string("FAST")]),
                                                  "remix": .bool(false)]))
    }

    @Test func actionCopiesTheOfferedButton() throws {
        let task = try MJTask.decode(ContractFixtures.trueaiTask.data)
        let button = try #require(task.button(.upscale(1)))
        let body = try json(ActionRequest(task: task, button: button, state: "st"))
        #expect(body == .object([
            "taskId": .string("1748339029401828"),
            "customId": .string("MJ::JOB::upsample::1::0ddb91a0-af46-4ae9-8e8e-c271074eb6e6"),
            "state": .string("st"),
        ]))
        let full = try json(ActionRequest(taskId: "1", customId: "c", chooseSameChannel: true, enableRemix: true,
                                          accountFilter: AccountFilter(remark: "a"), notifyHook: "h", state: "s"))
        #expect(full["chooseSameChannel"] == .bool(true))
        #expect(full["enableRemix"] == .bool(true))
        #expect(full["accountFilter"]?["remark"] == .string("a"))
    }

    @Test func otherBodies() throws {
        #expect(try json(ModalRequest(taskId: "m", prompt: "cat --zoom 1.5")) ==
            .object(["taskId": .string("m"), "prompt": .string("cat --zoom 1.5")]))
        #expect(try json(ModalRequest(taskId: "m", maskBase64: "data:image/png;base64,AA=="))["maskBase64"] != nil)
        #expect(try json(BlendRequest(base64Array: ["a", "b"], dimensions: .portrait))["dimensions"] == .string("PORTRAIT"))
        #expect(try json(DescribeRequest(base64: "data:x")) == .object(["base64": .string("data:x")]))
        #expect(try json(DescribeRequest(link: "https://x/y.png")) == .object(["link": .string("https://x/y.png")]))
        #expect(try json(ShortenRequest(prompt: "long")) == .object(["prompt": .string("long")]))
        #expect(try json(SwapFaceRequest(sourceBase64: "s", targetBase64: "t")) ==
            .object(["sourceBase64": .string("s"), "targetBase64": .string("t")]))
        #expect(try json(UploadDiscordImagesRequest(base64Array: ["a"])) == .object(["base64Array": .array([.string("a")])]))
        #expect(try json(ListByConditionRequest(ids: ["1", "2"])) == .object(["ids": .array([.string("1"), .string("2")])]))
    }
}
