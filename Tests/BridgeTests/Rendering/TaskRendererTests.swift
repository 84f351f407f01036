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
        #expect(renderer.quoted(long).count == 82)
    }
}
