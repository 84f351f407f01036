import Foundation
import MidjourneyAPI
import Testing

/// The client against a real loopback HTTP server whose answers each test scripts.
@Suite("Client over HTTP (scripted server)")
struct ClientHTTPTests {
    typealias Server = ScriptedHTTPServer

    // MARK: Submits

    @Test func imagineSendsBodyAndBothAuthHeaders() async throws {
        try await Server.with({ _, _ in .json(ContractFixtures.submitted) }) { server in
            let client = try makeClient(server.baseURL)
            let response = try await client.imagine(ImagineRequest(prompt: "a cat", state: "irc:#c:bob", notifyHook: "http://bot/cb"))
            #expect(response.code == .submitted)
            #expect(response.taskId == "1748339029401828")
            let request = try #require(await server.requests.first)
            #expect(request.method == "POST")
            #expect(request.uri == "/mj/submit/imagine")
            #expect(request.header("mj-api-secret") == testKey)
            #expect(request.header("Authorization") == testKey)
            #expect(request.header("Content-Type") == "application/json")
            #expect(request.json?["prompt"] == .string("a cat"))
            #expect(request.json?["state"] == .string("irc:#c:bob"))
            #expect(request.json?["notifyHook"] == .string("http://bot/cb"))
        }
    }

    @Test func bearerStyleAndModePrefix() async throws {
        try await Server.with({ _, _ in .json(ContractFixtures.queued) }) { server in
            let client = try makeClient(server.baseURL + "/mj-relax", apiKey: "sk-abc123", authStyle: .bearer)
            let response = try await client.imagine(ImagineRequest(prompt: "cat"))
            #expect(response.code == .queued)
            #expect(response.numberOfQueues == 3)
            let request = try #require(await server.requests.first)
            #expect(request.uri == "/mj-relax/mj/submit/imagine")
            #expect(request.header("Authorization") == "Bearer sk-abc123")
        }
    }

    @Test func noKeyNoAuthHeaders() async throws {
        try await Server.with({ _, _ in .json(ContractFixtures.submitted) }) { server in
            let client = try makeClient(server.baseURL + "/mj", apiKey: nil)
            _ = try await client.shorten(ShortenRequest(prompt: "a long prompt"))
            let request = try #require(await server.requests.first)
            #expect(request.uri == "/mj/submit/shorten")
            #expect(request.header("Authorization") == nil)
            #expect(request.header("mj-api-secret") == nil)
        }
    }

    @Test func everySubmitEndpointPath() async throws {
        try await Server.with({ request, _ in
            request.uri.hasSuffix("upload-discord-images") ? .json(ContractFixtures.uploadResult) : .json(ContractFixtures.submitted)
        }) { server in
            let client = try makeClient(server.baseURL)
            _ = try await client.imagine(ImagineRequest(prompt: "x"))
            _ = try await client.action(ActionRequest(taskId: "1", customId: "MJ::JOB::upsample::1::h"))
            _ = try await client.modal(ModalRequest(taskId: "2", prompt: "x --zoom 1.5"))
            _ = try await client.blend(BlendRequest(base64Array: ["data:a", "data:b"], dimensions: .square))
            _ = try await client.describe(DescribeRequest(link: "https://x/y.png"))
            _ = try await client.shorten(ShortenRequest(prompt: "x"))
            _ = try await client.swapFace(SwapFaceRequest(sourceBase64: "data:s", targetBase64: "data:t"))
            let urls = try await client.uploadDiscordImages(["data:a"])
            _ = try await client.cancel(id: "3")
            #expect(urls.count == 2)
            #expect(await server.requests.map { "\($0.method) \($0.uri)" } == [
                "POST /mj/submit/imagine", "POST /mj/submit/action", "POST /mj/submit/modal", "POST /mj/submit/blend",
                "POST /mj/submit/describe", "POST /mj/submit/shorten", "POST /mj/insight-face/swap",
                "POST /mj/submit/upload-discord-images", "POST /mj/task/3/cancel",
            ])
        }
    }

    @Test func actionReturnsModalRequired() async throws {
        try await Server.with({ _, _ in .json(ContractFixtures.modal) }) { server in
            let client = try makeClient(server.baseURL)
            let response = try await client.action(ActionRequest(taskId: "1", customId: "MJ::CustomZoom::h"))
            #expect(response.code == .modalRequired)
            #expect(response.taskId == "1748339029401830")
            #expect(response.finalPrompt == "dog playing ball --v 7.0")
        }
    }

    @Test func refusedCodesThrowRejected() async throws {
        try await Server.with({ _, n in
            switch n {
            case 1: .json(ContractFixtures.banned)
            case 2: .json(ContractFixtures.trueaiException)
            case 3: .json(#"{"code":23,"description":"队列已满","result":null}"#)
            default: .json(ContractFixtures.modal) // 21 to imagine is not an acceptance
            }
        }) { server in
            let client = try makeClient(server.baseURL)
            for expected in [ReturnCode.bannedPrompt, .other(-1), .queueFull, .modalRequired] {
                let error = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) }
                guard case .rejected(let response) = error else {
                    Issue.record("expected rejected, got \(String(describing: error))")
                    continue
                }
                #expect(response.code == expected)
            }
            #expect(await server.requests.count == 4)
        }
    }

    @Test func missingParentIs404WithEnvelope() async throws {
        try await Server.with({ _, _ in .json(#"{"code":3,"description":"关联任务不存在或已失效"}"#, status: 404) }) { server in
            let client = try makeClient(server.baseURL)
            let error = await mjError { () async throws(MJError) in try await client.action(ActionRequest(taskId: "9", customId: "c")) }
            guard case .rejected(let response) = error else {
                Issue.record("got \(String(describing: error))")
                return
            }
            #expect(response.code == .notFound)
            #expect(error?.description.contains("does not exist or has expired") == true)
        }
    }

    @Test func submitsAreNeverRetried() async throws {
        let sleeps = SleepLog()
        try await Server.with({ _, _ in .respond(status: 502, body: "Bad Gateway") }) { server in
            let client = try makeClient(server.baseURL, retry: sleeps.policy(maxAttempts: 5))
            let error = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) }
            #expect(error == .server(status: 502))
            #expect(await server.requests.count == 1)
            #expect(sleeps.all.isEmpty)
        }
    }

    @Test func submitTimeoutIsNotRetriedAndSaysSo() async throws {
        let sleeps = SleepLog()
        try await Server.with({ _, _ in .hang }) { server in
            // Long enough for the server to have recorded the request before we give up.
            let client = try makeClient(server.baseURL, retry: sleeps.policy(maxAttempts: 5), timeout: .seconds(2))
            let error = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) }
            #expect(error == .timeout(submit: true))
            #expect(await server.requests.count == 1)
        }
    }

    @Test func clientSideValidationSendsNothing() async throws {
        try await Server.with({ _, _ in .json(ContractFixtures.submitted) }) { server in
            let client = try makeClient(server.baseURL)
            let one = await mjError { () async throws(MJError) in try await client.blend(BlendRequest(base64Array: ["a"])) }
            let six = await mjError { () async throws(MJError) in try await client.blend(BlendRequest(base64Array: Array(repeating: "a", count: 6))) }
            var neither = DescribeRequest(link: "")
            neither.link = nil
            let none = await mjError { () async throws(MJError) in try await client.describe(neither) }
            for error in [one, six, none] {
                guard case .invalidRequest = error else {
                    Issue.record("got \(String(describing: error))")
                    continue
                }
            }
            #expect(await server.requests.isEmpty)
        }
    }

    @Test func acceptedWithoutTaskIdIsAnError() async throws {
        try await Server.with({ _, _ in .json(#"{"code":1,"description":"ok","result":null}"#) }) { server in
            let client = try makeClient(server.baseURL)
            let error = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) }
            guard case .decoding(let text) = error else {
                Issue.record("got \(String(describing: error))")
                return
            }
            #expect(text.contains("no task id"))
        }
    }

    // MARK: HTTP errors

    @Test(arguments: [401, 403])
    func keyRejectedNeverShowsTheKey(status: Int) async throws {
        let logs = LogCapture()
        try await Server.with({ request, _ in
            .respond(status: status, body: "Invalid token: \(request.header("Authorization") ?? "")")
        }) { server in
            let client = try makeClient(server.baseURL, logger: logs.logger)
            let error = try #require(await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) })
            guard case .apiKeyRejected(let got, _) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(got == status)
            #expect(error.description.contains("API key rejected"))
            #expect(error.description.contains("bearer"))
            #expect(error.description.contains("Invalid token: <redacted>"))
            #expect(!error.description.contains(testKey))
            #expect(!String(reflecting: error).contains(testKey))
            #expect(!logs.all.isEmpty)
            #expect(!logs.all.joined(separator: "\n").contains(testKey))
        }
    }

    @Test func keyEchoedInAnEnvelopeIsRedacted() async throws {
        let logs = LogCapture()
        try await Server.with({ request, _ in
            .json(#"{"code":4,"description":"user \#(request.header("mj-api-secret") ?? "") over limit","result":"\#(request.header("mj-api-secret") ?? "")"}"#)
        }) { server in
            let client = try makeClient(server.baseURL, logger: logs.logger)
            let error = try #require(await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) })
            #expect(error.description.contains("<redacted>"))
            #expect(!String(reflecting: error).contains(testKey))
            #expect(!logs.all.joined(separator: "\n").contains(testKey))
        }
    }

    @Test func plain404NamesTheURLTried() async throws {
        try await Server.with({ _, _ in .respond(status: 404, body: "<html>Not Found</html>") }) { server in
            let client = try makeClient(server.baseURL)
            let error = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) }
            #expect(error == .notFound(path: "\(server.baseURL)/mj/submit/imagine"))
            #expect(error?.description.contains("\(server.baseURL)/mj/submit/imagine") == true)
        }
    }

    @Test func rateLimitedSubmitReportsRetryAfter() async throws {
        try await Server.with({ _, _ in .respond(status: 429, headers: [("Retry-After", "7")]) }) { server in
            let client = try makeClient(server.baseURL, retry: SleepLog().policy())
            let error = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) }
            #expect(error == .rateLimited(retryAfter: .seconds(7)))
            #expect(await server.requests.count == 1)
        }
    }

    @Test func htmlInsteadOfJSON() async throws {
        try await Server.with({ _, _ in .respond(status: 200, body: "<!doctype html><title>Admin</title>") }) { server in
            let client = try makeClient(server.baseURL)
            let error = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) }
            #expect(error?.description.contains("base URL") == true)
        }
    }

    @Test func unreachableProxy() async throws {
        let port = try await Server.closedPort()
        let sleeps = SleepLog()
        let client = try makeClient("http://127.0.0.1:\(port)", retry: sleeps.policy(maxAttempts: 2))
        let error = await mjError { () async throws(MJError) in try await client.fetch(id: "1") }
        guard case .unreachable = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(sleeps.all == [.milliseconds(100)], "a read is retried once")
        #expect(error?.description.contains("Cannot reach") == true)
    }

    // MARK: Reads

    @Test func fetchFindsATask() async throws {
        try await Server.with({ _, _ in .json(ContractFixtures.trueaiTask) }) { server in
            let client = try makeClient(server.baseURL)
            let task = try #require(try await client.fetch(id: "1748339029401828"))
            #expect(task.status == .success)
            #expect(task.buttons.count == 3)
            #expect(await server.requests.map { "\($0.method) \($0.uri)" } == ["GET /mj/task/1748339029401828/fetch"])
        }
    }

    @Test(arguments: [
        Server.Response.respond(status: 204),
        .respond(status: 200),
        .json("null"),
        .json(ContractFixtures.gatewayTaskNotFound),
        .json(#"{"code":3,"description":"task not found"}"#, status: 404),
    ])
    func fetchOfAnUnknownIdIsNil(response: Server.Response) async throws {
        try await Server.with({ _, _ in response }) { server in
            let client = try makeClient(server.baseURL)
            #expect(try await client.fetch(id: "404404") == nil)
        }
    }

    @Test func fetchEscapesTheId() async throws {
        try await Server.with({ _, _ in .respond(status: 204) }) { server in
            let client = try makeClient(server.baseURL)
            _ = try await client.fetch(id: "../admin")
            #expect(await server.requests.first?.uri == "/mj/task/..%2Fadmin/fetch")
        }
    }

    @Test func readsRetry5xxThenSucceed() async throws {
        let sleeps = SleepLog()
        try await Server.with({ _, n in n < 3 ? .respond(status: n == 1 ? 500 : 503) : .json(taskJSON(id: "7")) }) { server in
            let client = try makeClient(server.baseURL, retry: sleeps.policy(maxAttempts: 4))
            let task = try await client.fetch(id: "7")
            #expect(task?.id == "7")
            #expect(await server.requests.count == 3)
            #expect(sleeps.all == [.milliseconds(100), .milliseconds(200)])
        }
    }

    @Test func readsGiveUpAfterMaxAttempts() async throws {
        let sleeps = SleepLog()
        try await Server.with({ _, _ in .respond(status: 500) }) { server in
            let client = try makeClient(server.baseURL, retry: sleeps.policy(maxAttempts: 3))
            let error = await mjError { () async throws(MJError) in try await client.fetch(id: "7") }
            #expect(error == .server(status: 500))
            #expect(await server.requests.count == 3)
            #expect(sleeps.all.count == 2)
        }
    }

    @Test func readsHonourRetryAfter() async throws {
        let sleeps = SleepLog()
        try await Server.with({ _, n in
            n == 1 ? .respond(status: 429, headers: [("Retry-After", "3")]) : .json(taskJSON(id: "8"))
        }) { server in
            let client = try makeClient(server.baseURL, retry: sleeps.policy())
            #expect(try await client.fetch(id: "8")?.id == "8")
            #expect(sleeps.all == [.seconds(3)])
        }
    }

    @Test func readsDoNotWaitForAVeryLongRetryAfter() async throws {
        let sleeps = SleepLog()
        try await Server.with({ _, _ in .respond(status: 429, headers: [("Retry-After", "3600")]) }) { server in
            let client = try makeClient(server.baseURL, retry: sleeps.policy(maxRetryAfter: .seconds(30)))
            let error = await mjError { () async throws(MJError) in try await client.fetch(id: "8") }
            #expect(error == .rateLimited(retryAfter: .seconds(3600)))
            #expect(sleeps.all.isEmpty)
        }
    }

    @Test func readTimeoutsAreRetried() async throws {
        let sleeps = SleepLog()
        try await Server.with({ _, n in n == 1 ? .hang : .json(taskJSON(id: "9")) }) { server in
            // Generous: the second, answered request must fit in it even on a loaded CI machine
            // (2 s was exceeded once in a full run with forty servers starting).
            let client = try makeClient(server.baseURL, retry: sleeps.policy(), timeout: .seconds(5))
            #expect(try await client.fetch(id: "9")?.id == "9")
            #expect(await server.requests.count == 2)
            #expect(sleeps.all == [.milliseconds(100)])
        }
    }

    @Test func readsDoNotRetryAuthFailures() async throws {
        let sleeps = SleepLog()
        try await Server.with({ _, _ in .respond(status: 401) }) { server in
            let client = try makeClient(server.baseURL, retry: sleeps.policy())
            let error = await mjError { () async throws(MJError) in try await client.list(ids: ["1"]) }
            guard case .apiKeyRejected = error else {
                Issue.record("got \(String(describing: error))")
                return
            }
            #expect(await server.requests.count == 1)
        }
    }

    @Test func listBatchesAndDeduplicates() async throws {
        try await Server.with({ request, _ in
            let ids = request.json?["ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
            // Unknown ids are silently omitted, like the servers do.
            return .json("[" + ids.filter { $0 != "unknown" }.map { taskJSON(id: $0, status: "IN_PROGRESS", progress: "5%") }
                .joined(separator: ",") + "]")
        }) { server in
            let client = try makeClient(server.baseURL, listBatchSize: 100)
            let ids = (1...250).map(String.init) + ["1", "2", "unknown"]
            let tasks = try await client.list(ids: ids)
            #expect(tasks.map(\.id) == (1...250).map(String.init))
            #expect(tasks.allSatisfy { $0.progress == 5 })
            let batches = await server.requests.map { $0.json?["ids"]?.arrayValue?.count ?? -1 }
            #expect(batches == [100, 100, 51])
            #expect(await server.requests.allSatisfy { $0.uri == "/mj/task/list-by-condition" && $0.method == "POST" })
        }
    }

    @Test func listOfNothingSendsNothing() async throws {
        try await Server.with({ _, _ in .json("[]") }) { server in
            let client = try makeClient(server.baseURL)
            #expect(try await client.list(ids: []).isEmpty)
            #expect(await server.requests.isEmpty)
        }
    }

    @Test func listSkipsBrokenEntriesAndRetries() async throws {
        let sleeps = SleepLog()
        try await Server.with({ _, n in
            n == 1 ? .respond(status: 502) : .json("[\(taskJSON(id: "1")), {\"status\":\"SUCCESS\"}, null]")
        }) { server in
            let client = try makeClient(server.baseURL, retry: sleeps.policy())
            #expect(try await client.list(ids: ["1", "2"]).map(\.id) == ["1"])
            #expect(sleeps.all.count == 1)
        }
    }

    @Test func listGatewayErrorEnvelope() async throws {
        try await Server.with({ _, _ in .json(#"{"code":5,"description":"do_request_failed"}"#) }) { server in
            let client = try makeClient(server.baseURL)
            let error = await mjError { () async throws(MJError) in try await client.list(ids: ["1"]) }
            guard case .rejected(let response) = error else {
                Issue.record("got \(String(describing: error))")
                return
            }
            #expect(response.code == .gatewayError)
        }
    }

    /// new-api's own codes, which no proxy (and so no simulator) sends: 5 on any request, 30 on image-seed.
    @Test func gatewayCodes5And30() async throws {
        try await Server.with({ request, _ in
            request.uri.hasSuffix("/image-seed")
                ? .json(#"{"code":30,"description":"当前分组负载已饱和，请稍后再试"}"#)
                : .json(#"{"code":5,"description":"do_request_failed"}"#)
        }) { server in
            let client = try makeClient(server.baseURL, apiKey: "sk-gw", authStyle: .bearer)
            let submit = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) }
            #expect(rejectedCode(submit) == .gatewayError)
            #expect(submit?.isRetryable == true)
            #expect(submit?.description.contains("code 5") == true)
            let seed = await mjError { () async throws(MJError) in try await client.imageSeed(id: "1") }
            #expect(rejectedCode(seed) == .rateLimited)
            #expect(seed?.description.contains("code 30") == true)
            #expect(await server.requests.count == 2, "codes in a 200 answer are not retried, not even for reads")
        }
    }

    @Test func imageSeed() async throws {
        try await Server.with({ request, _ in
            request.uri.contains("/404/") ? .json(#"{"code":3,"description":"not found"}"#, status: 404) : .json(ContractFixtures.imageSeed)
        }) { server in
            let client = try makeClient(server.baseURL)
            #expect(try await client.imageSeed(id: "5") == "636646138")
            #expect(await server.requests.first.map { "\($0.method) \($0.uri)" } == "GET /mj/task/5/image-seed")
            let error = await mjError { () async throws(MJError) in try await client.imageSeed(id: "404") }
            guard case .rejected(let response) = error else {
                Issue.record("got \(String(describing: error))")
                return
            }
            #expect(response.code == .notFound)
        }
    }
}
