import Foundation
import MidjourneyAPI
import MidjourneySimulator
import Testing

/// Every return code and error path the simulator can produce, seen through the client.
/// (Gateway codes 5/30 and trueai's `{success:false}` envelope come from `ClientHTTPTests`.)
@Suite("Client against the simulator: codes and errors")
struct ClientSimulatorErrorTests {
    typealias Sim = SimulatorUnderTest

    // MARK: Return codes

    @Test(arguments: SimulatorFlavor.allCases)
    func queuePositionThenQueueFull(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor, configure: { $0.accountCoreSize = 1; $0.accountQueueSize = 2 }) { sim in
            let client = try sim.client()
            let first = try await client.imagine(ImagineRequest(prompt: "one"))
            let second = try await client.imagine(ImagineRequest(prompt: "two"))
            let third = try await client.imagine(ImagineRequest(prompt: "three"))
            #expect([first.code, second.code, third.code] == [.submitted, .queued, .queued])
            #expect(second.numberOfQueues == 1)
            #expect(third.numberOfQueues == 2)
            #expect(third.taskId != nil)

            let full = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "four")) }
            // trueai never says 23: its queue full is code 9.
            #expect(rejectedCode(full) == (flavor == .trueai ? .failure : .queueFull))
            #expect(full?.isRetryable == true)
            #expect(full?.description.contains("try again") == true)
            #expect(await sim.stats.tasksCreated == 3)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func bannedWord(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client()
            let request = ImagineRequest(prompt: "a gore scene")
            switch flavor {
            case .novicezk:
                let error = await mjError { () async throws(MJError) in try await client.imagine(request) }
                guard case .rejected(let response)? = error else {
                    Issue.record("expected code 24, got \(String(describing: error))")
                    return
                }
                #expect(response.code == .bannedPrompt)
                #expect(response.bannedWord == "gore")
                #expect(response.promptEn == "a gore scene")
                #expect(error?.description.contains("banned word 'gore'") == true)
            case .trueai:
                // trueai's check is off in the controller: the task fails later instead.
                let id = try #require(try await client.imagine(request).taskId)
                await sim.finishJobs()
                let task = try #require(try await client.fetch(id: id))
                #expect(task.status == .failure)
                #expect(task.failReason == "可能包含敏感词")
            }
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func validationAndNotFoundCodes(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client()
            let blank = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "   ")) }
            #expect(rejectedCode(blank) == .validation)
            let badImage = await mjError { () async throws(MJError) in
                try await client.imagine(ImagineRequest(prompt: "x", base64Array: ["not a data url"]))
            }
            #expect(rejectedCode(badImage) == .validation)

            // A parent that has not finished yet: code 4.
            let running = try #require(try await client.imagine(ImagineRequest(prompt: "x")).taskId)
            let early = await mjError { () async throws(MJError) in
                try await client.action(ActionRequest(taskId: running, customId: "MJ::JOB::upsample::1::h"))
            }
            #expect(rejectedCode(early) == .validation)

            // A parent that does not exist: code 3 (trueai sends it with HTTP 404).
            let orphan = await mjError { () async throws(MJError) in
                try await client.action(ActionRequest(taskId: "1700000000000999", customId: "MJ::JOB::upsample::1::h"))
            }
            #expect(rejectedCode(orphan) == .notFound)
            let modal = await mjError { () async throws(MJError) in
                try await client.modal(ModalRequest(taskId: "1700000000000999", prompt: "x"))
            }
            #expect(rejectedCode(modal) == .notFound)

            // No account matches the filter: code 3 with the proxy's text made readable.
            let noAccount = await mjError { () async throws(MJError) in
                try await client.imagine(ImagineRequest(prompt: "x", accountFilter: AccountFilter(instanceId: "42")))
            }
            #expect(rejectedCode(noAccount) == .notFound)
            #expect(noAccount?.description.contains("no Midjourney account is available") == true)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func aBuiltCustomIdFailsTheTask(flavor: SimulatorFlavor) async throws {
        // Why the client never builds customIds: the proxy accepts, Discord refuses.
        try await Sim.with(flavor) { sim in
            let client = try sim.client()
            let grid = try await sim.finishedImagine(client)
            let response = try await client.action(ActionRequest(taskId: grid.id, customId: "MJ::JOB::upsample::1::\(grid.id)"))
            await sim.finishJobs()
            let task = try await sim.task(of: response, with: client)
            #expect(task.status == .failure)
            #expect(task.failReason == "Invalid Form Body")
        }
    }

    // MARK: Authentication

    @Test(arguments: SimulatorFlavor.allCases)
    func authStylesPerFlavour(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            // What each style gets from each server (contract §1).
            let accepted: [AuthStyle: Bool] = switch flavor {
            case .trueai: [.both: true, .authorization: true, .mjApiSecret: true, .bearer: false]
            case .novicezk: [.both: true, .authorization: false, .mjApiSecret: true, .bearer: true]
            }
            for style in AuthStyle.allCases {
                let client = try sim.client(authStyle: style)
                let error = await mjError { () async throws(MJError) in try await client.fetch(id: "1700000000000999") }
                if accepted[style] == true {
                    #expect(error == nil, "\(style) on \(flavor)")
                } else {
                    guard case .apiKeyRejected(401, let hint)? = error else {
                        Issue.record("\(style) on \(flavor): \(String(describing: error))")
                        continue
                    }
                    #expect(hint.contains("'both'"), "the hint names the style to use")
                }
            }
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func wrongOrMissingKey(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let logs = LogCapture()
            let wrongKey = "wrong-key-0815"
            let wrong = try sim.client(apiKey: wrongKey, retry: SleepLog().policy(), logger: logs.logger)
            let error = try #require(await mjError { () async throws(MJError) in try await wrong.imagine(ImagineRequest(prompt: "x")) })
            guard case .apiKeyRejected(401, _) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(error.description.contains("API key rejected"))
            #expect(error.description.contains("'bearer'"), "names the header style setting")
            #expect(!error.description.contains(wrongKey))
            #expect(!logs.all.joined(separator: "\n").contains(wrongKey))
            // Reads are not retried on 401 either.
            let before = await sim.stats.requests
            _ = await mjError { () async throws(MJError) in try await wrong.list(ids: ["1"]) }
            #expect(await sim.stats.requests - before == 1)

            let none = try sim.client(apiKey: nil)
            let missing = await mjError { () async throws(MJError) in try await none.imagine(ImagineRequest(prompt: "x")) }
            #expect(missing?.description.contains("no API key is configured") == true)
            #expect(await sim.stats.tasksCreated == 0)
        }
    }

    @Test func forbiddenIsAKeyProblemToo() async throws {
        try await Sim.with(.trueai) { sim in
            await sim.server.controls.failRequests(fraction: 1, statuses: [403])
            let error = await mjError { () async throws(MJError) in try await sim.client().imagine(ImagineRequest(prompt: "x")) }
            guard case .apiKeyRejected(403, _)? = error else {
                Issue.record("got \(String(describing: error))")
                return
            }
        }
    }

    // MARK: HTTP failures and retries

    @Test(arguments: SimulatorFlavor.allCases)
    func serverErrorsAreRetriedForReadsOnly(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let controls = sim.server.controls
            let task = try await sim.finishedImagine(try sim.client())
            await controls.failRequests(fraction: 1, statuses: [500])

            let submitError = await mjError { () async throws(MJError) in
                try await sim.client(retry: SleepLog().policy(maxAttempts: 5)).imagine(ImagineRequest(prompt: "x"))
            }
            #expect(submitError == .server(status: 500))
            #expect(await sim.stats.injectedHTTPErrors == 1, "a submit is sent once")

            // The proxy recovers while the client waits before its second try.
            let pauses = SleepLog()
            let recovering = pauses.policy(maxAttempts: 3) { await controls.failRequests(fraction: 0) }
            let fetched = try await sim.client(retry: recovering).fetch(id: task.id)
            #expect(fetched?.status == .success)
            #expect(pauses.all == [.milliseconds(100)])
            #expect(await sim.stats.injectedHTTPErrors == 2)

            // A proxy that stays broken: every try fails, then the error reaches the caller.
            await controls.failRequests(fraction: 1, statuses: [502])
            let sleeps = SleepLog()
            let listError = await mjError { () async throws(MJError) in
                try await sim.client(retry: sleeps.policy(maxAttempts: 3)).list(ids: [task.id])
            }
            #expect(listError == .server(status: 502))
            #expect(sleeps.all.count == 2)
            #expect(await sim.stats.injectedHTTPErrors == 5)
        }
    }

    @Test func outageIs502AndReadsWaitItOut() async throws {
        try await Sim.with(.novicezk) { sim in
            let controls = sim.server.controls
            let task = try await sim.finishedImagine(try sim.client())
            await controls.setOutage(true)
            let submit = await mjError { () async throws(MJError) in try await sim.client().imagine(ImagineRequest(prompt: "x")) }
            #expect(submit == .server(status: 502))
            let recovering = SleepLog().policy(maxAttempts: 2) { await controls.setOutage(false) }
            #expect(try await sim.client(retry: recovering).fetch(id: task.id)?.id == task.id)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func rateLimitHonoursRetryAfter(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let controls = sim.server.controls
            let task = try await sim.finishedImagine(try sim.client())
            await controls.update {
                $0.httpErrorFraction = 1
                $0.httpErrorStatuses = [429]
                $0.retryAfterSeconds = 2
            }
            let submit = await mjError { () async throws(MJError) in
                try await sim.client(retry: SleepLog().policy()).imagine(ImagineRequest(prompt: "x"))
            }
            #expect(submit == .rateLimited(retryAfter: .seconds(2)))
            #expect(submit?.description.contains("2 seconds") == true)

            let pauses = SleepLog()
            let waiting = pauses.policy(maxAttempts: 3) { await controls.update { $0.httpErrorFraction = 0 } }
            #expect(try await sim.client(retry: waiting).fetch(id: task.id)?.id == task.id)
            #expect(pauses.all == [.seconds(2)], "the pause is the server's Retry-After, not the backoff")

            // Longer than the policy is willing to wait: handed to the caller at once.
            await controls.update {
                $0.httpErrorFraction = 1
                $0.httpErrorStatuses = [429]
                $0.retryAfterSeconds = 600
            }
            let sleeps = SleepLog()
            let tooLong = await mjError { () async throws(MJError) in
                try await sim.client(retry: sleeps.policy(maxRetryAfter: .seconds(30))).fetch(id: task.id)
            }
            #expect(tooLong == .rateLimited(retryAfter: .seconds(600)))
            #expect(sleeps.all.isEmpty)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func timeoutsRetriedForReadsNeverForSubmits(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let controls = sim.server.controls
            let task = try await sim.finishedImagine(try sim.client())
            // Timeouts far from both the slow answer and a normal one, so a loaded CI machine
            // cannot blur the difference.
            await controls.slowResponses(.seconds(10))

            let slow = try sim.client(retry: SleepLog().policy(maxAttempts: 5), timeout: .seconds(3))
            let submit = await mjError { () async throws(MJError) in try await slow.imagine(ImagineRequest(prompt: "late")) }
            #expect(submit == .timeout(submit: true))
            #expect(submit?.description.contains("may still have been accepted") == true)
            // The proxy did create it: resubmitting would have made two.
            #expect(await sim.stats.tasksCreated == 2)

            let recovering = SleepLog().policy(maxAttempts: 3) { await controls.slowResponses(.zero) }
            let client = try sim.client(retry: recovering, timeout: .seconds(3))
            #expect(try await client.fetch(id: task.id)?.id == task.id)
        }
    }

    // MARK: Base URLs

    @Test(arguments: SimulatorFlavor.allCases)
    func speedModeAndRootBaseURLs(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            for (path, mode) in [("", "FAST"), ("/mj/", "FAST"), ("/mj-fast", "FAST"), ("/mj-relax/mj", "RELAX"), ("/mj-turbo/mj/", "TURBO")] {
                let client = try sim.client(path: path)
                let id = try #require(try await client.imagine(ImagineRequest(prompt: "cat")).taskId, "\(path)")
                await sim.finishJobs()
                #expect(try await client.fetch(id: id)?.status == .success, "\(path)")
                #expect(try await client.list(ids: [id]).count == 1, "\(path)")
                if flavor == .trueai {
                    // trueai records the mode the path asked for.
                    let json = try #require(await sim.server.controls.taskJSON(id))
                    #expect(json.contains("\"mode\":\"\(mode)\""), "\(path)")
                }
            }
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func wrongPathIs404WithTheURLTried(flavor: SimulatorFlavor) async throws {
        try await Sim.with(flavor) { sim in
            let client = try sim.client(path: "/api", retry: SleepLog().policy())
            let submit = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) }
            #expect(submit == .notFound(path: "\(sim.server.baseURL)/api/mj/submit/imagine"))
            #expect(submit?.description.contains("Check the base URL") == true)
            let read = await mjError { () async throws(MJError) in try await client.fetch(id: "1") }
            #expect(read == .notFound(path: "\(sim.server.baseURL)/api/mj/task/1/fetch"))
            #expect(await sim.stats.requests == 2, "a 404 is not retried")
        }
    }

    @Test func badBaseURLsAreRefusedBeforeAnyRequest() async throws {
        try await Sim.with(.trueai) { sim in
            for path in ["/mj/mj", "/mj/submit/imagine", "/mj/mj-fast", "/mj-fast/api/mj"] {
                let refusal: MJError?
                do {
                    _ = try sim.client(path: path)
                    refusal = nil
                } catch {
                    refusal = error as? MJError
                }
                guard case .badBaseURL(let hint)? = refusal else {
                    Issue.record("\(path): \(String(describing: refusal))")
                    continue
                }
                #expect(hint.contains(sim.server.baseURL + path), "the hint quotes what the user wrote")
            }
            for url in ["", "127.0.0.1:\(sim.server.port)", "ftp://127.0.0.1/mj", "http://\(testKey)@127.0.0.1/mj"] {
                #expect(throws: MJError.self, "\(url)") { try makeClient(url) }
            }
            #expect(await sim.stats.requests == 0)
        }
    }
}
