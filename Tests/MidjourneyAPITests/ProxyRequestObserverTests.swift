import Foundation
import MidjourneyAPI
import MidjourneySimulator
import Synchronization
import Testing

/// The observer the metrics hang on: one report per request sent, with a bounded endpoint
/// and the outcome the request really had (against the simulator over real HTTP).
@Suite struct ProxyRequestObserverTests {
    final class Reports: Sendable {
        private let reports = Mutex<[ProxyRequestReport]>([])
        var all: [ProxyRequestReport] { reports.withLock { $0 } }
        var observer: ProxyRequestObserver { { report in self.reports.withLock { $0.append(report) } } }
        var summary: [String] { all.map { "\($0.endpoint.rawValue) \($0.outcome.label)" } }
    }

    @Test func everyRequestIsReportedWithItsEndpointAndOutcome() async throws {
        try await SimulatorUnderTest.with(.novicezk) { sim in
            let reports = Reports()
            // Two tries per read, without waiting: each try is a request of its own.
            let configuration = MidjourneyConfiguration(baseURL: sim.server.baseURL + "/mj", apiKey: testKey,
                                                        retryPolicy: SleepLog().policy(maxAttempts: 2))
            let client = try MidjourneyClient(configuration: configuration, httpClient: MidjourneyClient.sharedHTTPClient,
                                              observer: reports.observer)
            let id = try #require(try await client.imagine(ImagineRequest(prompt: "a fox")).taskId)
            await sim.finishJobs()
            _ = try await client.list(ids: [id])
            _ = try await client.fetch(id: id)
            await sim.server.controls.setBannedWords(["forbidden"])
            let banned = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "forbidden fox")) }
            let code = try #require({ if case .rejected(let response)? = banned { return response.code.value } else { return nil } }(),
                                    "\(String(describing: banned))")
            await sim.server.controls.setOutage(true)
            _ = await mjError { () async throws(MJError) in try await client.list(ids: [id]) }
            #expect(reports.summary == ["imagine ok", "list ok", "fetch ok", "imagine proxy_code_\(code)", "list http_5xx", "list http_5xx"],
                    "\(reports.summary)")
            #expect(reports.all.allSatisfy { $0.duration >= .zero })
        }
    }

    @Test func pathsMapToAFixedSetOfEndpoints() {
        #expect(ProxyEndpoint(path: "/submit/imagine") == .imagine)
        #expect(ProxyEndpoint(path: "/submit/action") == .action)
        #expect(ProxyEndpoint(path: "/submit/modal") == .modal)
        #expect(ProxyEndpoint(path: "/submit/blend") == .blend)
        #expect(ProxyEndpoint(path: "/submit/describe") == .describe)
        #expect(ProxyEndpoint(path: "/submit/shorten") == .shorten)
        #expect(ProxyEndpoint(path: "/insight-face/swap") == .swapFace)
        #expect(ProxyEndpoint(path: "/submit/upload-discord-images") == .upload)
        #expect(ProxyEndpoint(path: "/task/list-by-condition") == .list)
        #expect(ProxyEndpoint(path: "/task/1748339029401828/fetch") == .fetch)
        #expect(ProxyEndpoint(path: "/task/1748339029401828/cancel") == .cancel)
        #expect(ProxyEndpoint(path: "/task/1748339029401828/image-seed") == .seed)
        #expect(ProxyEndpoint(path: "/account/list") == .other)
    }

    @Test func errorsMapToBoundedOutcomes() {
        #expect(ProxyRequestOutcome(.server(status: 503)) == .http5xx)
        #expect(ProxyRequestOutcome(.httpStatus(418, "")) == .http4xx)
        #expect(ProxyRequestOutcome(.httpStatus(599, "")) == .http5xx)
        #expect(ProxyRequestOutcome(.rateLimited(retryAfter: nil)) == .http4xx)
        #expect(ProxyRequestOutcome(.timeout(submit: true)) == .timeout)
        #expect(ProxyRequestOutcome(.unreachable("refused")) == .unreachable)
        #expect(ProxyRequestOutcome.proxyCode(24).label == "proxy_code_24")
        #expect(ProxyRequestOutcome.proxyCode(123_456).label == "proxy_code_99", "an odd code cannot grow the label set")
    }
}
