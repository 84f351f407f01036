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

    /// Review finding 1: a proxy answering with hundreds of `imageUrls` gets neither a result
    /// line as long as it likes nor hundreds of downloads: only a grid's 2…4 singles are links.
    @Test func aListLongerThanAGridsFourSinglesIsIgnored() {
        let urls = (1...500).map { "https://cdn.example/\($0).png" }
        #expect(ResultLinks.singles(from: urls).isEmpty)
        #expect(ResultLinks.singles(from: Array(urls.prefix(5))).isEmpty)
        #expect(ResultLinks.singles(from: Array(urls.prefix(4))) == Array(urls.prefix(4)))
        #expect(ResultLinks.singles(from: Array(urls.prefix(2))) == Array(urls.prefix(2)))
        #expect(ResultLinks.singles(from: Array(urls.prefix(1))).isEmpty)
        let task = TaskRecord(id: "1828", route: TaskRoute(network: "net", channel: "#art", nick: "alice"), kind: "imagine",
                              prompt: "a fox", status: "IN_PROGRESS", statusRank: 3, createdAt: Date(), deadline: Date())
        let success = TaskSnapshot(id: "1828", action: "IMAGINE", status: "SUCCESS", progress: 100,
                                   imageUrl: "https://cdn.example/g.png", imageUrls: urls)
        #expect(TaskTransition.imagesToMirror(success, for: task) == ResultImages(taskId: "1828", grid: "https://cdn.example/g.png"))
        let line = renderer.success(kind: "imagine", action: "IMAGINE", prompt: "a fox",
                                    links: ResultLinks(proxy: ResultImages(taskId: "1828", grid: "https://cdn.example/g.png",
                                                                           singles: ResultLinks.singles(from: urls)),
                                                       video: nil, outcome: nil),
                                    finalPrompt: nil, buttons: [], ref: "1828")
        #expect(line == ["✅ «a fox» → https://cdn.example/g.png · ref 1828"])
    }

    /// Review finding 13: a link is either posted whole in one IRC line or not posted at all,
    /// even for a long nick and channel and a host the bot does not know yet (the splitter's
    /// worst case), so "every link arrives whole" holds.
    @Test func everyPostedLinkFitsOneLineInTheWorstCase() {
        let splitter = LineSplitter(sender: Source(nick: String(repeating: "n", count: 30)))
        let channel = "#" + String(repeating: "c", count: 49)
        for length in [200, 300, TaskRenderer.maxLinkBytes, TaskRenderer.maxLinkBytes + 1, 400, 599] {
            let link = { (name: String) in
                let head = "https://cdn.example/\(name)?hm="
                return head + String(repeating: "a", count: length - head.utf8.count)
            }
            let grid = link("g"), singles = (1...4).map { link("s\($0)") }, video = link("v")
            let lines = renderer.success(kind: "imagine", action: "IMAGINE", prompt: "a red fox",
                                         links: ResultLinks(grid: grid, singles: singles, video: video), finalPrompt: nil,
                                         buttons: gridButtons(), ref: "1828")
            let pieces = lines.flatMap { splitter.split("someone_with_a_long_nick: " + $0, target: channel).map { $0.params[1] } }
            let text = pieces.joined()
            for url in [grid, video] + singles {
                if length <= TaskRenderer.maxLinkBytes {
                    #expect(pieces.contains { $0.contains(url) }, "a \(length)-byte link was cut")
                } else {
                    #expect(!text.contains(url.prefix(40)), "a \(length)-byte link was posted")
                }
            }
        }
    }
}
