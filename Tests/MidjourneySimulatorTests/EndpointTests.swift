import Foundation
import MidjourneySimulator
import Testing

@Suite(.timeLimit(.minutes(2))) struct EndpointTests {
    @Test(arguments: SimulatorFlavor.allCases)
    func describeGivesFourPromptsAndPicReaderModal(flavor: SimulatorFlavor) async throws {
        try await withSimulator(flavor) { h in
            let r = try await h.post("/mj/submit/describe", #"{"base64":"\#(samplePNGDataURL)"}"#)
            #expect(r.code == 1)
            let id = try #require(r.result)
            await h.server.runUntilIdle()
            let task = try await h.fetch(id)
            #expect(task["action"] as? String == "DESCRIBE")
            #expect(task["status"] as? String == "SUCCESS")
            let text = try #require((task["properties"] as? [String: Any])?["finalPrompt"] as? String)
            let parts = text.components(separatedBy: "\n\n")
            #expect(parts.count == 4)
            for (i, cap) in ["1️⃣ ", "2️⃣ ", "3️⃣ ", "4️⃣ "].enumerated() { #expect(parts[i].hasPrefix(cap)) }
            #expect(buttonIds(task) == ["MJ::Job::PicReader::1", "MJ::Job::PicReader::2", "MJ::Job::PicReader::3",
                                        "MJ::Job::PicReader::4", "MJ::Picread::Retry", "MJ::Job::PicReader::all"])
            // The described image is served back, byte for byte.
            let image = try await h.request("GET", try #require(task["imageUrl"] as? String))
            #expect(image.status == 200)
            #expect(Data(image.body).base64EncodedString() == samplePNGDataURL.components(separatedBy: ",")[1])

            let pick = try await h.press(task, emoji: "3️⃣")
            #expect(pick.code == 21)
            #expect(pick.properties["finalPrompt"] as? String == String(parts[2].dropFirst(2)))
            let modalId = try #require(pick.result)
            #expect(try await h.post("/mj/submit/modal", #"{"taskId":"\#(modalId)"}"#).code == 1)
            await h.server.runUntilIdle()
            let imagined = try await h.fetch(modalId)
            #expect(imagined["action"] as? String == "IMAGINE")
            #expect(imagined["status"] as? String == "SUCCESS")

            let retry = try await h.press(task, emoji: "🔄")
            #expect(retry.code == 1)
            await h.server.runUntilIdle()
            #expect(try await h.fetch(try #require(retry.result))["action"] as? String == "DESCRIBE")

            let all = try await h.press(task, label: "Imagine all")
            switch flavor {
            case .trueai:
                #expect(all.code == 1)
                #expect(all.result?.split(separator: ",").count == 4)
            case .novicezk:
                #expect(all.code == 4)
            }
        }
    }

    @Test func describeValidation() async throws {
        try await withSimulator(.trueai) { h in
            let empty = try await h.post("/mj/submit/describe", "{}")
            #expect(empty.code == 4)
            let link = try await h.post("/mj/submit/describe", #"{"link":"https://example.com/cat.png"}"#)
            #expect(link.code == 1)
        }
        try await withSimulator(.novicezk) { h in
            let link = try await h.post("/mj/submit/describe", #"{"link":"https://example.com/cat.png"}"#)
            #expect(link.code == 4)
        }
    }

    @Test func blendChecksCountAndDimensions() async throws {
        try await withSimulator { h in
            let one = #"{"base64Array":["\#(samplePNGDataURL)"]}"#
            #expect(try await h.post("/mj/submit/blend", one).code == 4)
            let two = #"{"base64Array":["\#(samplePNGDataURL)","\#(samplePNGDataURL)"],"dimensions":"PORTRAIT"}"#
            let r = try await h.post("/mj/submit/blend", two)
            #expect(r.code == 1)
            let bad = #"{"base64Array":["\#(samplePNGDataURL)","\#(samplePNGDataURL)"],"dimensions":"WIDE"}"#
            #expect(try await h.post("/mj/submit/blend", bad).code == 4)
            await h.server.runUntilIdle()
            let task = try await h.fetch(try #require(r.result))
            #expect(task["action"] as? String == "BLEND")
            #expect((task["prompt"] as? String)?.hasSuffix("--ar 2:3") == true)
            #expect(buttonIds(task).count == 9)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func shortenAnalysesThePrompt(flavor: SimulatorFlavor) async throws {
        try await withSimulator(flavor) { h in
            let r = try await h.post("/mj/submit/shorten", #"{"prompt":"a very detailed painting of a small red fox in the snow --v 6"}"#)
            #expect(r.code == 1)
            await h.server.runUntilIdle()
            let task = try await h.fetch(try #require(r.result))
            #expect(task["action"] as? String == "SHORTEN")
            #expect(task["imageUrl"] is NSNull)
            let text = try #require((task["properties"] as? [String: Any])?["finalPrompt"] as? String)
            #expect(text.contains("**Shortened prompts**") && text.contains("5️⃣"))
            #expect(buttonIds(task) == (1...5).map { "MJ::Job::PromptAnalyzer::\($0)" })
            let pressed = try await h.press(task, emoji: "2️⃣")
            #expect(pressed.code == (flavor == .trueai ? 4 : 21))
            #expect(try await h.post("/mj/submit/shorten", #"{"prompt":""}"#).code == 4)
        }
    }

    @Test func swapFaceProducesOneImage() async throws {
        try await withSimulator { h in
            let r = try await h.post("/mj/insight-face/swap",
                                     #"{"sourceBase64":"\#(samplePNGDataURL)","targetBase64":"\#(samplePNGDataURL)"}"#)
            #expect(r.code == 1)
            await h.server.runUntilIdle()
            let task = try await h.fetch(try #require(r.result))
            #expect(task["action"] as? String == "SWAP_FACE")
            #expect(task["status"] as? String == "SUCCESS")
            let png = try await h.request("GET", try #require(task["imageUrl"] as? String))
            #expect(png.status == 200)
            #expect(try await h.post("/mj/insight-face/swap", #"{"sourceBase64":"\#(samplePNGDataURL)"}"#).code == 4)
        }
    }

    @Test func uploadReturnsServedURLs() async throws {
        try await withSimulator { h in
            let r = try await h.post("/mj/submit/upload-discord-images",
                                     #"{"base64Array":["\#(samplePNGDataURL)","\#(samplePNGDataURL)"]}"#)
            #expect(r.code == 1)
            let urls = try #require(r.object["result"] as? [String])
            #expect(urls.count == 2)
            #expect(Set(urls).count == 2)
            for url in urls {
                let image = try await h.request("GET", url)
                #expect(image.status == 200)
                #expect(image.contentType == "image/png")
                #expect(Array(image.body.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
            }
            #expect(try await h.post("/mj/submit/upload-discord-images", #"{"base64Array":["x"]}"#).code == 4)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func imageSeed(flavor: SimulatorFlavor) async throws {
        try await withSimulator(flavor) { h in
            let grid = try await h.finishedImagine()
            let id = try #require(grid["id"] as? String)
            let r = try await h.request("GET", "/mj/task/\(id)/image-seed")
            #expect(r.code == 1)
            #expect(r.object["description"] as? String == "成功")
            let seed = try #require(r.result)
            #expect(!seed.isEmpty && seed.allSatisfy(\.isNumber))
            #expect(try await h.request("GET", "/mj/task/\(id)/image-seed").result == seed)

            let unknown = try await h.request("GET", "/mj/task/424242/image-seed")
            #expect(unknown.code == 3)
            #expect(unknown.status == (flavor == .trueai ? 404 : 200))
            let running = try await h.imagine()
            let noHash = try await h.request("GET", "/mj/task/\(running)/image-seed")
            #expect(noHash.code == 4)
            #expect(noHash.status == (flavor == .trueai ? 400 : 200))
        }
    }

    @Test func listByConditionAndByIds() async throws {
        try await withSimulator { h in
            let a = try await h.imagine("a")
            let b = try await h.imagine("b")
            for path in ["/mj/task/list-by-condition", "/mj/task/list-by-ids"] {
                let r = try await h.post(path, #"{"ids":["\#(a)","missing","\#(b)"]}"#)
                #expect(r.array.compactMap { $0["id"] as? String } == [a, b])
                #expect(try await h.post(path, "{}").array.isEmpty)
                #expect(try await h.post(path, #"{"ids":[]}"#).text == "[]")
            }
            let all = try await h.request("GET", "/mj/task/list")
            #expect(all.array.compactMap { $0["id"] as? String } == [b, a])
        }
    }

    @Test func imagineWithImagePromptsPrependsTheirURLs() async throws {
        try await withSimulator { h in
            let r = try await h.post("/mj/submit/imagine", #"{"prompt":"a cat","base64Array":["\#(samplePNGDataURL)"]}"#)
            let task = try await h.fetch(try #require(r.result))
            let promptEn = try #require(task["promptEn"] as? String)
            #expect(promptEn.hasPrefix("<\(h.server.baseURL)/attachments/"))
            #expect(promptEn.hasSuffix("> a cat"))
            #expect(task["prompt"] as? String == "a cat")
        }
    }
}
