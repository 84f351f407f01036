import Foundation
import MidjourneySimulator
import Testing

@Suite(.timeLimit(.minutes(2))) struct QueueAndAuthTests {
    @Test(arguments: SimulatorFlavor.allCases)
    func threeRunTenQueueThenFull(flavor: SimulatorFlavor) async throws {
        try await withSimulator(flavor) { h in
            var ids: [String] = []
            for i in 0..<3 {
                let r = try await h.post("/mj/submit/imagine", #"{"prompt":"run \#(i)"}"#)
                #expect(r.code == 1)
                ids.append(try #require(r.result))
            }
            for n in 1...10 {
                let r = try await h.post("/mj/submit/imagine", #"{"prompt":"queued \#(n)"}"#)
                #expect(r.code == 22)
                #expect(r.object["description"] as? String == "排队中，前面还有\(n)个任务")
                #expect(r.properties["numberOfQueues"] as? Int == n)
                ids.append(try #require(r.result))
            }
            let full = try await h.post("/mj/submit/imagine", #"{"prompt":"one too many"}"#)
            #expect(full.status == 200)
            switch flavor {
            case .trueai:
                #expect(full.code == 9)
                #expect(full.object["description"] as? String == "提交失败，队列已满，请稍后重试")
            case .novicezk:
                #expect(full.code == 23)
                #expect(full.properties["discordInstanceId"] is String)
            }
            #expect(full.object["result"] is NSNull)

            // Queued tasks wait as NOT_START until a slot frees up, then run in order.
            await h.server.advance(by: .milliseconds(1))
            #expect(try await h.fetch(ids[0])["status"] as? String == "SUBMITTED")
            #expect(try await h.fetch(ids[3])["status"] as? String == "NOT_START")
            await h.server.advance(by: .milliseconds(4))  // the first three finish, the next three start
            #expect(try await h.fetch(ids[0])["status"] as? String == "SUCCESS")
            #expect(try await h.fetch(ids[3])["status"] as? String == "NOT_START")
            await h.server.advance(by: .milliseconds(1))
            #expect(try await h.fetch(ids[3])["status"] as? String == "SUBMITTED")
            #expect(try await h.fetch(ids[6])["status"] as? String == "NOT_START")
            let accepted = try await h.post("/mj/submit/imagine", #"{"prompt":"room again"}"#)
            #expect(accepted.code == 22)
            await h.server.runUntilIdle()
            for id in ids { #expect(try await h.fetch(id)["status"] as? String == "SUCCESS") }
        }
    }

    @Test func twoAccountsShareTheLoad() async throws {
        try await withSimulator(.trueai, configure: { $0.accounts = 2 }) { h in
            var instances = Set<String>()
            for i in 0..<6 {
                let r = try await h.post("/mj/submit/imagine", #"{"prompt":"p \#(i)"}"#)
                #expect(r.code == 1)
                instances.insert(try #require(r.properties["discordInstanceId"] as? String))
            }
            #expect(instances.count == 2)
        }
    }

    @Test func trueaiAuthorizationIsVerbatim() async throws {
        try await withSimulator(.trueai, apiKey: "sk-secret") { h in
            let body = #"{"prompt":"cat"}"#
            let missing = try await h.post("/mj/submit/imagine", body, headers: [])
            #expect(missing.status == 401)
            #expect(missing.text == "Authorization header missing.")
            let bearer = try await h.post("/mj/submit/imagine", body, headers: [("Authorization", "Bearer sk-secret")])
            #expect(bearer.status == 401)
            // Authorization wins over mj-api-secret, so a Bearer header spoils a right secret.
            let both = try await h.post("/mj/submit/imagine", body,
                                        headers: [("Authorization", "Bearer sk-secret"), ("mj-api-secret", "sk-secret")])
            #expect(both.status == 401)
            #expect(try await h.post("/mj/submit/imagine", body, headers: [("Authorization", "sk-secret")]).code == 1)
            #expect(try await h.post("/mj/submit/imagine", body, headers: [("Mj-Api-Secret", "sk-secret")]).code == 1)
            let fetch = try await h.request("GET", "/mj/task/1/fetch", headers: [])
            #expect(fetch.status == 401)
        }
    }

    @Test func novicezkWantsMjApiSecret() async throws {
        try await withSimulator(.novicezk, apiKey: "s3cret") { h in
            let body = #"{"prompt":"cat"}"#
            let missing = try await h.post("/mj/submit/imagine", body, headers: [])
            #expect(missing.status == 401)
            #expect(missing.body.isEmpty)
            let authOnly = try await h.post("/mj/submit/imagine", body, headers: [("Authorization", "s3cret")])
            #expect(authOnly.status == 401)
            #expect(try await h.post("/mj/submit/imagine", body, headers: [("mj-api-secret", "s3cret")]).code == 1)
            // A client sending both headers (the recommended default) passes too.
            let both = try await h.post("/mj/submit/imagine", body,
                                        headers: [("Authorization", "Bearer s3cret"), ("mj-api-secret", "s3cret")])
            #expect(both.code == 1)
        }
    }

    @Test func noKeyMeansNoAuth() async throws {
        try await withSimulator(.trueai) { h in
            let r = try await h.post("/mj/submit/imagine", #"{"prompt":"cat"}"#, headers: [])
            #expect(r.code == 1)
        }
    }

    @Test func unknownFetchDiffersPerFlavor() async throws {
        try await withSimulator(.trueai) { h in
            let r = try await h.request("GET", "/mj/task/1234/fetch")
            #expect(r.status == 204)
            #expect(r.body.isEmpty)
        }
        try await withSimulator(.novicezk) { h in
            let r = try await h.request("GET", "/mj/task/1234/fetch")
            #expect(r.status == 200)
            #expect(r.body.isEmpty)
        }
    }

    @Test func bannedWordsNovicezkRefusesUpFront() async throws {
        try await withSimulator(.novicezk) { h in
            let r = try await h.post("/mj/submit/imagine", #"{"prompt":"a GORE scene"}"#)
            #expect(r.code == 24)
            #expect(r.object["description"] as? String == "可能包含敏感词")
            #expect(r.properties["bannedWord"] as? String == "gore")
            #expect(r.properties["promptEn"] as? String == "a GORE scene")
            await h.server.controls.setBannedWords(["kitten"])
            #expect(try await h.post("/mj/submit/imagine", #"{"prompt":"a gore scene"}"#).code == 1)
            #expect(try await h.post("/mj/submit/imagine", #"{"prompt":"a kitten"}"#).code == 24)
        }
    }

    @Test func bannedWordsTrueaiFailTheTaskLater() async throws {
        try await withSimulator(.trueai) { h in
            let r = try await h.post("/mj/submit/imagine", #"{"prompt":"a gore scene"}"#)
            #expect(r.code == 1)
            let id = try #require(r.result)
            await h.server.runUntilIdle()
            let task = try await h.fetch(id)
            #expect(task["status"] as? String == "FAILURE")
            #expect(task["failReason"] as? String == "可能包含敏感词")
            #expect(task["progress"] as? String == "")
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func validationErrors(flavor: SimulatorFlavor) async throws {
        try await withSimulator(flavor) { h in
            let blank = try await h.post("/mj/submit/imagine", #"{"prompt":"  "}"#)
            #expect(blank.code == 4)
            #expect(blank.object["description"] as? String == "prompt不能为空")
            let badImage = try await h.post("/mj/submit/imagine", #"{"prompt":"x","base64Array":["nope"]}"#)
            #expect(badImage.code == 4)
            #expect(badImage.object["description"] as? String == "base64格式错误")
            let malformed = try await h.post("/mj/submit/imagine", "{not json")
            switch flavor {
            case .trueai:
                #expect(malformed.status == 200)
                #expect(malformed.object["success"] as? Bool == false)
                #expect(malformed.object["code"] as? Int == -1)
                #expect(malformed.object["message"] is String)
            case .novicezk:
                #expect(malformed.status == 400)
            }
        }
    }
}
