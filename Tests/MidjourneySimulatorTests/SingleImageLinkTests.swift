import Foundation
import MidjourneySimulator
import Testing

/// trueai's `imageUrls` (`[{url, thumbnail}]`): the four single images beside a finished grid,
/// as TA fills them with `EnableFillOfficialCdn`; a switch, on by default, so both shapes are
/// tested (issue 7).
@Suite(.timeLimit(.minutes(2))) struct SingleImageLinkTests {
    static func entries(_ task: [String: Any]) -> [[String: Any]]? {
        task["imageUrls"] as? [[String: Any]]
    }

    @Test func aTrueaiGridListsFourSignedSingleImagesShowingItsQuadrants() async throws {
        try await withSimulator(.trueai, configure: { $0.imageSide = 200; $0.imageLinkLifetime = .seconds(60) }) { h in
            let grid = try await h.finishedImagine()
            let entries = try #require(Self.entries(grid))
            #expect(entries.count == 4)
            let gridURL = try #require(grid["imageUrl"] as? String)
            let gridPNG = try PNGCheck(try await h.request("GET", gridURL).body)
            let quadrants = [gridPNG.pixel(40, 40), gridPNG.pixel(160, 40), gridPNG.pixel(40, 160), gridPNG.pixel(160, 160)]
            var urls: [String] = []
            for (offset, entry) in entries.enumerated() {
                let url = try #require(entry["url"] as? String)
                let thumbnail = try #require(entry["thumbnail"] as? String)
                urls.append(url)
                // Signed like the grid link (Discord's ex/is/hm), under the simulator's base.
                #expect(url.hasPrefix(h.server.baseURL + "/attachments/"))
                #expect(url.contains("?ex=") && url.contains("&hm="))
                let image = try await h.request("GET", url)
                #expect(image.status == 200)
                #expect(image.contentType == "image/png")
                // Single n shows quadrant n's colour (off the diagonal band).
                #expect(try PNGCheck(image.body).pixel(190, 10) == quadrants[offset])
                #expect(try await h.request("GET", thumbnail).status == 200)
            }
            #expect(Set(urls).count == 4)
            #expect(!urls.contains(gridURL))
            // The list is the same on every fetch and in the batch listing.
            let id = try #require(grid["id"] as? String)
            let listed = try await h.post("/mj/task/list-by-condition", #"{"ids":["\#(id)"]}"#).array
            #expect((listed.first.flatMap(Self.entries))?.compactMap { $0["url"] as? String } == urls)

            // They expire with the grid's link.
            await h.server.advance(by: .seconds(61))
            for url in urls { #expect(try await h.request("GET", url).status == 403) }
        }
    }

    @Test func anUpscaleAndADescribeListNone() async throws {
        try await withSimulator(.trueai) { h in
            let grid = try await h.finishedImagine()
            let upId = try #require(try await h.press(grid, label: "U2").result)
            await h.server.runUntilIdle()
            let upscale = try await h.fetch(upId)
            #expect(upscale["status"] as? String == "SUCCESS")
            #expect(Self.entries(upscale)?.isEmpty == true)

            let describe = try await h.post("/mj/submit/describe", #"{"base64":"\#(samplePNGDataURL)"}"#)
            let describeId = try #require(describe.result)
            await h.server.runUntilIdle()
            #expect(Self.entries(try await h.fetch(describeId))?.isEmpty == true)
        }
    }

    @Test func theSwitchTurnsThemOffAndOnWhileRunning() async throws {
        try await withSimulator(.trueai, configure: { $0.singleImageLinks = false }) { h in
            #expect(Self.entries(try await h.finishedImagine())?.isEmpty == true)
            // Over HTTP, as a manual trial would.
            let answer = try await h.post("/_sim/switches", #"{"singleImageLinks":true}"#)
            #expect(answer.object["singleImageLinks"] as? Bool == true)
            #expect(Self.entries(try await h.finishedImagine("a second one"))?.count == 4)
            await h.server.controls.setSingleImageLinks(false)
            #expect(Self.entries(try await h.finishedImagine("a third one"))?.isEmpty == true)
        }
    }

    /// NZ/PP have no such field.
    @Test func novicezkNeverSendsThem() async throws {
        try await withSimulator(.novicezk) { h in
            let grid = try await h.finishedImagine()
            #expect(grid["status"] as? String == "SUCCESS")
            #expect(grid["imageUrls"] == nil)
        }
    }
}
