import Foundation
import MidjourneyAPI
import MidjourneySimulator
import Testing

/// `listRecent()` (`GET /mj/task/list`) and which submit failures leave the job's fate
/// unknown — against the simulator and a scripted server over loopback HTTP.
@Suite struct ClientTaskListTests {
    typealias Server = ScriptedHTTPServer

    @Test(arguments: SimulatorFlavor.allCases)
    func listRecentReturnsTheProxysTasksWithTheirState(flavor: SimulatorFlavor) async throws {
        try await SimulatorUnderTest.with(flavor) { sim in
            let client = try sim.client()
            let id = try #require(try await client.imagine(ImagineRequest(prompt: "a listed fox", state: "st-1")).taskId)
            let listed = try #require(try await client.listRecent())
            #expect(listed.map(\.id) == [id] && listed.first?.state == "st-1")
            await sim.server.controls.setTaskListAvailable(false)
            #expect(try await client.listRecent() == nil, "a gateway without the route: cannot list")
        }
    }

    @Test func listRecentReadsAnEnvelopeOrA405AsCannotList() async throws {
        try await Server.with({ _, n in n == 1 ? .json(#"{"code":4,"description":"not supported"}"#) : .respond(status: 405) }) { server in
            let client = try makeClient(server.baseURL)
            #expect(try await client.listRecent() == nil)
            #expect(try await client.listRecent() == nil)
            #expect(await server.requests.map { "\($0.method) \($0.uri)" } == ["GET /mj/task/list", "GET /mj/task/list"])
        }
    }

    @Test func aConnectionClosedAfterTheSubmitWentOutLeavesItsOutcomeUnknown() async throws {
        try await Server.with({ _, _ in .close }) { server in
            let client = try makeClient(server.baseURL)
            let error = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) }
            guard case .connectionLost = error else {
                Issue.record("got \(String(describing: error))")
                return
            }
            #expect(error?.submitOutcomeUnknown == true)
            #expect(await server.requests.count == 1, "a submit is never retried")
        }
    }

    @Test func onlyFailuresThatProveNothingWasSubmittedCloseAnIntent() async throws {
        let port = try await Server.closedPort()
        let client = try makeClient("http://127.0.0.1:\(port)")
        let refused = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) }
        #expect(refused?.submitOutcomeUnknown == false, "\(String(describing: refused))")

        let unknown: [MJError] = [.timeout(submit: true), .server(status: 502), .connectionLost("reset"),
                                  .decoding("accepted without id"), .cancelled, .httpStatus(599, "")]
        #expect(unknown.allSatisfy { $0.submitOutcomeUnknown })
        let provedNot: [MJError] = [.apiKeyRejected(status: 401, hint: ""), .notFound(path: "/x"), .rateLimited(retryAfter: nil),
                                    .unreachable("refused"), .badBaseURL("x"), .redirected(status: 301, location: ""),
                                    .invalidRequest("x"), .httpStatus(400, "")]
        #expect(!provedNot.contains { $0.submitOutcomeUnknown })
    }
}
