import Foundation
import Testing
@testable import MidjourneyAPI

@Suite("Submit response decoding")
struct SubmitResponseDecodingTests {
    @Test func normalEnvelopeWithStringResult() throws {
        let response = try SubmitResponse.decode(ContractFixtures.submitted.data)
        #expect(response.code == .submitted)
        #expect(response.code.isAccepted)
        #expect(response.description == "提交成功")
        #expect(response.taskId == "1748339029401828")
        #expect(response.taskIds == ["1748339029401828"])
        #expect(response.discordInstanceId == "1118138338562560102")
        #expect(response.numberOfQueues == nil)
    }

    @Test func numericResultKeepsAllDigits() throws {
        let response = try SubmitResponse.decode(ContractFixtures.submittedNumericResult.data)
        #expect(response.taskId == "1748339029401828")
    }

    @Test func queuedCarriesQueuePosition() throws {
        let response = try SubmitResponse.decode(ContractFixtures.queued.data)
        #expect(response.code == .queued)
        #expect(response.code.isAccepted)
        #expect(response.numberOfQueues == 3)
        #expect(response.taskId == "1748339029401829")
    }

    @Test func queuePositionAsString() throws {
        let response = try SubmitResponse.decode(#"{"code":22,"result":"7","properties":{"numberOfQueues":"5"}}"#.data)
        #expect(response.numberOfQueues == 5)
    }

    @Test func modalRequiredCarriesModalTaskAndFinalPrompt() throws {
        let response = try SubmitResponse.decode(ContractFixtures.modal.data)
        #expect(response.code == .modalRequired)
        #expect(!response.code.isAccepted)
        #expect(response.taskId == "1748339029401830")
        #expect(response.finalPrompt == "dog playing ball --v 7.0")
    }

    @Test func bannedPromptCarriesWord() throws {
        let response = try SubmitResponse.decode(ContractFixtures.banned.data)
        #expect(response.code == .bannedPrompt)
        #expect(response.bannedWord == "naked")
        #expect(response.promptEn == "a naked cat")
        #expect(response.taskId == nil)
    }

    @Test func trueaiExceptionEnvelope() throws {
        let response = try SubmitResponse.decode(ContractFixtures.trueaiException.data)
        #expect(response.code == .other(-1))
        #expect(!response.code.isAccepted)
        #expect(response.description == "Object reference not set to an instance of an object.")
    }

    @Test func listResult() throws {
        let response = try SubmitResponse.decode(ContractFixtures.uploadResult.data)
        #expect(response.resultStrings == [
            "https://cdn.discordapp.com/attachments/1/2/a.png", "https://cdn.discordapp.com/attachments/1/3/b.png",
        ])
    }

    @Test func commaSeparatedIds() throws {
        let response = try SubmitResponse.decode(ContractFixtures.imagineAll.data)
        #expect(response.taskIds == ["101", "102", "103", "104"])
        #expect(response.taskId == "101")
    }

    @Test func gatewayNotFoundIsRecognised() throws {
        let response = try SubmitResponse.decode(ContractFixtures.gatewayTaskNotFound.data)
        #expect(response.code == .validation)
        #expect(MidjourneyClient.meansTaskNotFound(response))
        #expect(!MidjourneyClient.meansTaskNotFound(try SubmitResponse.decode(#"{"code":4,"description":"quota_not_enough"}"#.data)))
    }

    @Test(arguments: [
        (1, ReturnCode.submitted), (22, .queued), (21, .modalRequired), (23, .queueFull), (24, .bannedPrompt),
        (3, .notFound), (4, .validation), (9, .failure), (5, .gatewayError), (30, .rateLimited), (25, .other(25)),
    ])
    func returnCodeTable(value: Int, code: ReturnCode) {
        #expect(ReturnCode(value) == code)
        #expect(code.value == value)
        #expect(code.isAccepted == (value == 1 || value == 22))
    }

    @Test func codeAsStringIsAccepted() throws {
        #expect(try SubmitResponse.decode(#"{"code":"1","result":"9"}"#.data).code == .submitted)
    }

    @Test func notJSONExplainsItself() {
        #expect(throws: MJError.self) { try SubmitResponse.decode("<html>login</html>".data) }
        do {
            _ = try SubmitResponse.decode("<html>login</html>".data)
        } catch {
            #expect(error.description.contains("not JSON"))
            #expect(error.description.contains("<html>login</html>"))
        }
    }

    @Test func missingCodeAndEmptyBodyAreDecodingErrors() {
        #expect(throws: MJError.self) { try SubmitResponse.decode(#"{"result":"1"}"#.data) }
        #expect(throws: MJError.self) { try SubmitResponse.decode(Data()) }
    }
}
