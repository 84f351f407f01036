import Foundation
import IRC
import MidjourneyAPI
import Testing
@testable import Bridge
import Store

/// Which links a result line carries and how they are laid out (issue 7).
@Suite struct ResultLinksTests {
    let renderer = TaskRenderer(prefix: "!")
    static let grid = "https://bot.example/i/1828-k3vq7a.png"
    static let singles = (1...4).map { "https://bot.example/i/1828-k3vq7a-\($0).png" }
    /// The no-break space that binds a label to its link.
    static let nb = "\u{00A0}"

    static func discord(_ name: String) -> String {
        "https://cdn.discordapp.com/attachments/1118138338562560102/1244993386712043590/\(name).png?ex=6657b5d0&is=66566450&hm="
            + String(repeating: "9f", count: 32) + "&"
    }

    @Test func aGridWithFourSinglesGetsFiveLabelledLinksInOneShortLine() {
        let links = ResultLinks(grid: Self.grid, singles: Self.singles, isHosted: true)
        let lines = renderer.success(kind: "imagine", action: "IMAGINE", prompt: "a red fox", links: links, finalPrompt: nil,
                                     buttons: gridButtons(), ref: "1828")
        #expect(lines == ["✅ «a red fox» → \(Self.grid) · 1\(Self.nb)\(Self.singles[0]) · 2\(Self.nb)\(Self.singles[1]) · 3\(Self.nb)\(Self.singles[2])"
                + " · 4\(Self.nb)\(Self.singles[3]) · ref 1828 · next: !u1–4 !v1–4 !reroll"])
        #expect(lines[0].utf8.count <= TaskRenderer.inlineLinksBudget)
    }

    @Test func anUpscaleGetsItsOneLinkAndADescribeNone() {
        let upscale = renderer.success(kind: "u2", action: "UPSCALE", prompt: "a red fox", links: ResultLinks(grid: Self.grid),
                                       finalPrompt: nil, buttons: [], ref: "3356")
        #expect(upscale == ["✅ u2 of «a red fox» → \(Self.grid) · ref 3356"])
        // A describe's imageUrl is the image it was given: never linked, even with singles.
        let describe = renderer.success(kind: "describe", action: "DESCRIBE", prompt: "",
                                        links: ResultLinks(grid: Self.grid, singles: Self.singles),
                                        finalPrompt: "1️⃣ a fox\n\n2️⃣ a dog", buttons: [], ref: "4410")
        #expect(describe == ["✅ 2 prompts for your image · ref 4410", "1. a fox", "2. a dog"])
        #expect(!describe.joined().contains("https://"))
    }

    /// The proxy's links are 200–300 bytes: five cannot share a line with the ref. The line
    /// starts as it always did (grid, ref, next actions) and the singles follow; the splitter
    /// then cuts only between links, so each stays whole and the first IRC line is today's.
    @Test func longProxyLinksFollowTheRefAndSplitBetweenLinks() throws {
        let grid = Self.discord("sim_a_red_fox_0ddb91a0")
        let singles = (1...4).map { Self.discord("sim_a_red_fox_0ddb91a0_\($0)") }
        let lines = renderer.success(kind: "imagine", action: "IMAGINE", prompt: "a red fox",
                                     links: ResultLinks(grid: grid, singles: singles), finalPrompt: nil,
                                     buttons: gridButtons(), ref: "1828")
        let head = "✅ «a red fox» → \(grid) · ref 1828 · next: !u1–4 !v1–4 !reroll"
        let extras = singles.enumerated().map { "\($0.offset + 1)\(Self.nb)\($0.element)" }.joined(separator: " · ")
        #expect(lines == [head + " · " + extras])

        let splitter = LineSplitter(sender: Source(nick: "mjbridge"))
        let pieces = splitter.split("alice: " + lines[0], target: "#art").map { $0.params[1] }
        #expect(pieces.count > 1)
        #expect(pieces[0].hasPrefix("alice: " + head))
        // Every link arrives whole in one piece.
        for link in [grid] + singles {
            #expect(pieces.contains { $0.contains(link) }, "\(link) was cut")
        }
    }

    @Test func theVideoIsPostedAsGivenBesideTheImage() {
        let video = "https://cdn.example/video/1828.mp4"
        let lines = renderer.success(kind: "video", action: "VIDEO", prompt: "a red fox running",
                                     links: ResultLinks(grid: Self.grid, video: video), finalPrompt: nil, buttons: [], ref: "1828")
        #expect(lines == ["✅ video of «a red fox running» → \(Self.grid) · video\(Self.nb)\(video) · ref 1828"])
        let onlyVideo = renderer.success(kind: "video", action: "VIDEO", prompt: "a fox", links: ResultLinks(grid: nil, video: video),
                                         finalPrompt: nil, buttons: [], ref: "1828")
        #expect(onlyVideo == ["✅ video of «a fox» → video\(Self.nb)\(video) · ref 1828"])
    }

    @Test func theHostsLinksReplaceTheProxysOnlyWhenHosted() {
        let proxy = ResultImages(taskId: "1828", grid: "https://cdn.example/g.png", singles: ["https://cdn.example/1.png", "https://cdn.example/2.png"])
        let hosted = HostedLinks(grid: Self.grid, singles: Array(Self.singles.prefix(2)))
        #expect(ResultLinks(proxy: proxy, video: nil, outcome: .hosted(hosted))
            == ResultLinks(grid: Self.grid, singles: Array(Self.singles.prefix(2)), isHosted: true))
        for outcome in [MirrorOutcome.disabled, .failed(reason: "down"), nil] {
            #expect(ResultLinks(proxy: proxy, video: nil, outcome: outcome)
                == ResultLinks(grid: proxy.grid, singles: proxy.singles))
        }
        // One `imageUrls` entry is the image itself, not singles of a grid.
        #expect(ResultLinks.singles(from: ["https://cdn.example/1.png"]).isEmpty)
    }

    @Test func statusShowsTheShortLinksOnceHostedElseTheProxysGrid() {
        let hosted = ResultLinks(stored: "https://cdn.example/g.png", hosted: HostedLinks(grid: Self.grid, singles: Self.singles))
        #expect(TaskRenderer.statusLinks(hosted)
            == " → \(Self.grid) · 1\(Self.nb)\(Self.singles[0]) · 2\(Self.nb)\(Self.singles[1]) · 3\(Self.nb)\(Self.singles[2]) · 4\(Self.nb)\(Self.singles[3])")
        #expect(TaskRenderer.statusLinks(ResultLinks(stored: "https://cdn.example/g.png", hosted: nil)) == " → https://cdn.example/g.png")
    }

    /// Which successes are mirrored before their line: those whose line links images.
    @Test func onlyASuccessThatLinksImagesIsMirrored() {
        let now = Date(timeIntervalSince1970: 1_748_339_029)
        let route = TaskRoute(network: "net", channel: "#art", nick: "alice")
        var task = TaskRecord(id: "1828", route: route, kind: "imagine", prompt: "a fox", status: "IN_PROGRESS", statusRank: 3,
                              progress: 50, createdAt: now, deadline: now.addingTimeInterval(900))
        let success = TaskSnapshot(id: "1828", action: "IMAGINE", status: "SUCCESS", progress: 100, imageUrl: "https://cdn.example/g.png",
                                   imageUrls: ["https://cdn.example/1.png", "https://cdn.example/2.png",
                                               "https://cdn.example/3.png", "https://cdn.example/4.png"])
        #expect(TaskTransition.imagesToMirror(success, for: task)
            == ResultImages(taskId: "1828", grid: "https://cdn.example/g.png", singles: success.imageUrls))
        #expect(TaskTransition.imagesToMirror(TaskSnapshot(id: "1828", status: "IN_PROGRESS", progress: 90), for: task) == nil)
        #expect(TaskTransition.imagesToMirror(TaskSnapshot(id: "1828", status: "FAILURE", failReason: "banned"), for: task) == nil)
        #expect(TaskTransition.imagesToMirror(TaskSnapshot(id: "1828", action: "IMAGINE", status: "SUCCESS"), for: task) == nil)
        var describe = task
        describe.kind = "describe"
        #expect(TaskTransition.imagesToMirror(success, for: describe) == nil)
        // Said already: not again; our own deadline passed: the late result is still said, so mirrored.
        task.isTerminal = true
        task.status = "SUCCESS"
        task.statusRank = 5
        #expect(TaskTransition.imagesToMirror(success, for: task) == nil)
        task.status = "IN_PROGRESS"
        task.statusRank = 3
        task.timedOut = true
        #expect(TaskTransition.imagesToMirror(success, for: task) != nil)
    }
}
