import MidjourneyAPI
import Testing
@testable import Bridge

@Suite struct TaskRendererTests {
    let renderer = TaskRenderer(prefix: "!")

    @Test func hintsForAnUpscaledImage() {
        let h = "x"
        let buttons = [
            TaskButton(customId: "MJ::JOB::upsample_v7_2x_subtle::1::\(h)::SOLO", label: "Upscale (Subtle)"),
            TaskButton(customId: "MJ::JOB::upsample_v7_2x_creative::1::\(h)::SOLO", label: "Upscale (Creative)"),
            TaskButton(customId: "MJ::JOB::low_variation::1::\(h)::SOLO", label: "Vary (Subtle)"),
            TaskButton(customId: "MJ::JOB::high_variation::1::\(h)::SOLO", label: "Vary (Strong)"),
            TaskButton(customId: "MJ::Inpaint::1::\(h)::SOLO", label: "Vary (Region)"),
            TaskButton(customId: "MJ::Outpaint::50::1::\(h)::SOLO", label: "Zoom Out 2x"),
            TaskButton(customId: "MJ::Outpaint::75::1::\(h)::SOLO", label: "Zoom Out 1.5x"),
            TaskButton(customId: "MJ::CustomZoom::\(h)", label: "Custom Zoom"),
            TaskButton(customId: "MJ::JOB::pan_left::1::\(h)::SOLO", emoji: "⬅️"),
            TaskButton(customId: "MJ::JOB::pan_right::1::\(h)::SOLO", emoji: "➡️"),
            TaskButton(customId: "MJ::BOOKMARK::\(h)", emoji: "❤️"),
        ]
        #expect(renderer.nextHints(buttons)
            == "!upscale subtle|creative !vary subtle|strong !region !zoom 2x|1.5x|<1–2> !pan left|right !btn")
        #expect(renderer.nextHints([TaskButton(customId: "MJ::JOB::upsample::2::x")]) == "!u2")
        #expect(renderer.nextHints([]) == "")
    }

    /// A Discord link (~300 bytes) is posted; one past 600 bytes is not (a dozen lines, useless cut).
    @Test func aLinkTooLongForIRCIsNotPosted() {
        let discord = "https://cdn.discordapp.com/attachments/1/2/fox.png?ex=6b0e&is=6b0d&hm=" + String(repeating: "a", count: 200)
        let ok = renderer.success(kind: "imagine", action: "IMAGINE", prompt: "a fox", imageUrl: discord, finalPrompt: nil,
                                  buttons: [], ref: "1828")
        #expect(ok == ["✅ «a fox» → \(discord) · ref 1828"])
        let huge = "https://evil.example/" + String(repeating: "x", count: 5000)
        let refused = renderer.success(kind: "imagine", action: "IMAGINE", prompt: "a fox", imageUrl: huge, finalPrompt: nil,
                                       buttons: [], ref: "1828")
        #expect(refused == ["✅ «a fox» → (the proxy's link is 5021 bytes long, too long to post here) · ref 1828"])
    }

    @Test func describeResultListsTheFourPrompts() {
        let text = "1️⃣ a fox in snow, watercolor --ar 3:2\n\n2️⃣ a red fox --ar 3:2\n\n3️⃣ fox\n\n4️⃣ winter fox"
        let pick = (1...4).map { TaskButton(customId: "MJ::Job::PicReader::\($0)", emoji: "\($0)️⃣") }
        let lines = renderer.success(kind: "describe", action: "DESCRIBE", prompt: "", imageUrl: "https://x/i.png",
                                     finalPrompt: text, buttons: pick, ref: "1828")
        #expect(lines == [
            "✅ 4 prompts for your image · ref 1828 · next: !pick 1–4",
            "1. a fox in snow, watercolor --ar 3:2",
            "2. a red fox --ar 3:2",
            "3. fox",
            "4. winter fox",
        ])
    }

    @Test func acknowledgementMentionsTheQueue() {
        #expect(renderer.acknowledgement(what: "«a cat»", ref: "1828", queuePosition: 2)
            == "⏳ «a cat» — ref 1828, queue position 2. I'll post the result here.")
        #expect(renderer.acknowledgement(what: "«a cat»", ref: "1828", queuePosition: nil)
            == "⏳ «a cat» — ref 1828. I'll post the result here.")
    }

    @Test func longPromptsAreShortenedInQuotes() {
        let long = String(repeating: "fox ", count: 40)
        // 80 bytes inside the quotes ("…" is 3 of them), « and » 2 each.
        let quoted = renderer.quoted(long)
        #expect(quoted.utf8.count == 84 && quoted.hasSuffix("…»"))
    }

    /// Issue 12: whatever the script, a line quoting a 5 KB prompt (and a 5 KB fail reason)
    /// fits one IRC line: about 400 bytes of text reach a channel once the server has added
    /// our mask, and the reply's "nick: " comes on top.
    @Test(arguments: ["é", "🦊", "👩‍👩‍👧", "e\u{301}\u{302}", "字", "x", "\u{1}"])
    func aHugePromptStillFitsOneLine(unit: String) {
        let huge = String(repeating: unit, count: 5000 / unit.utf8.count + 1)
        let describe = String(repeating: "1️⃣ \(huge)\n", count: 2)
        var lines = [
            renderer.success(kind: "imagine", action: "IMAGINE", prompt: huge, imageUrl: "https://cdn.example.net/a/b.png",
                             finalPrompt: nil, buttons: [], ref: "1828")[0],
            renderer.failure(kind: "imagine", prompt: huge, reason: huge, ref: "1828"),
            renderer.acknowledgement(what: renderer.subject(kind: "variation", prompt: huge), ref: "1828", queuePosition: 3),
            renderer.cancelled(kind: "imagine", prompt: huge, ref: "1828"),
            renderer.timedOut(kind: "imagine", prompt: huge, minutes: 15, lastProgress: 40, ref: "1828"),
            renderer.remixWaiting(ref: "1828", prefilled: huge),
        ]
        lines += renderer.success(kind: "describe", action: "DESCRIBE", prompt: "", imageUrl: nil, finalPrompt: describe,
                                  buttons: [], ref: "1828")
        for line in lines {
            #expect(line.utf8.count <= 400, "\(line.utf8.count) bytes: \(line.prefix(60))")
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
        }
    }

    /// Issue 12: the proxy's text is chat text. Injected line breaks, NUL and CTCP markers in
    /// its prompt, link, fail reason, labels and final prompt never reach a rendered line.
    @Test func proxyTextLosesItsControlCharacters() {
        let evil = "\u{1}ACTION x\u{1}\r\nQUIT :x\nPRIVMSG #other :spam\u{0}\u{7F}"
        let task = MJTask(id: "1", action: .imagine, status: .failure, prompt: "fox \(evil)",
                          imageUrl: "https://cdn.example.net/x.png\(evil)", failReason: evil,
                          buttons: [MJButton(customId: "MJ::JOB::upsample::1::h\u{1}", emoji: "\u{1}🔄", label: "U1\(evil)")],
                          properties: TaskProperties(["finalPrompt": .string("1. a\u{1}\r\n2. b\u{3}04c")]))
        let snapshot = TaskSnapshot(task)
        let shown = [snapshot.prompt, snapshot.imageUrl, snapshot.failReason, snapshot.buttons[0].label,
                     snapshot.buttons[0].emoji].compactMap { $0 }
        for text in shown {
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(text.debugDescription)")
        }
        #expect(snapshot.failReason == "ACTION x  QUIT :x PRIVMSG #other :spam")
        #expect(snapshot.finalPrompt == "1. a\n2. bc")
        // The customId goes back to the proxy verbatim.
        #expect(snapshot.buttons[0].customId == "MJ::JOB::upsample::1::h\u{1}")

        let rendered = [renderer.failure(kind: "imagine", prompt: evil, reason: evil, ref: "1"),
                        renderer.success(kind: "imagine", action: nil, prompt: evil, imageUrl: evil, finalPrompt: nil,
                                         buttons: [], ref: "1")[0]]
        for line in rendered {
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(line.debugDescription)")
        }
    }
}
