import Testing
@testable import MidjourneyAPI

/// One case per row of the contract's §6 catalogue.
@Suite("Button catalogue")
struct ButtonKindTests {
    static let h = "0ddb91a0-af46-4ae9-8e8e-c271074eb6e6"

    struct Row: Sendable, CustomTestStringConvertible {
        var customId: String
        var label: String = ""
        var emoji: String = ""
        var kind: ButtonKind
        var modal: ButtonKind.ModalRequirement
        var testDescription: String { customId }
    }

    static let rows: [Row] = [
        Row(customId: "MJ::JOB::upsample::1::\(h)", label: "U1", kind: .upscale(1), modal: .never),
        Row(customId: "MJ::JOB::upsample::4::\(h)", label: "U4", kind: .upscale(4), modal: .never),
        Row(customId: "MJ::JOB::variation::2::\(h)", label: "V2", kind: .variation(2), modal: .whenRemix),
        Row(customId: "MJ::JOB::reroll::0::\(h)::SOLO", emoji: "🔄", kind: .reroll, modal: .whenRemix),
        Row(customId: "MJ::JOB::upsample_v6_2x_subtle::1::\(h)::SOLO", label: "Upscale (Subtle)", emoji: "upscale_1",
            kind: .upscaleSubtle, modal: .never),
        Row(customId: "MJ::JOB::upsample_v6_2x_creative::1::\(h)::SOLO", label: "Upscale (Creative)", emoji: "upscale_1",
            kind: .upscaleCreative, modal: .never),
        Row(customId: "MJ::JOB::upsample_v6r1_2x_subtle::1::\(h)::SOLO", label: "Upscale (Subtle)", kind: .upscaleSubtle, modal: .never),
        Row(customId: "MJ::JOB::upsample_v7_2x_creative::1::\(h)::SOLO", label: "Upscale (Creative)", kind: .upscaleCreative, modal: .never),
        Row(customId: "MJ::JOB::upsample_v5_2x::1::\(h)::SOLO", label: "Upscale (2x)", kind: .upscale2x, modal: .never),
        Row(customId: "MJ::JOB::upsample_v5_4x::1::\(h)::SOLO", label: "Upscale (4x)", kind: .upscale4x, modal: .never),
        Row(customId: "MJ::JOB::low_variation::1::\(h)::SOLO", label: "Vary (Subtle)", emoji: "🪄", kind: .varySubtle, modal: .whenRemix),
        Row(customId: "MJ::JOB::high_variation::1::\(h)::SOLO", label: "Vary (Strong)", emoji: "🪄", kind: .varyStrong, modal: .whenRemix),
        Row(customId: "MJ::Inpaint::1::\(h)::SOLO", label: "Vary (Region)", emoji: "🖌️", kind: .varyRegion, modal: .always),
        Row(customId: "MJ::Outpaint::50::1::\(h)::SOLO", label: "Zoom Out 2x", emoji: "🔍", kind: .zoomOut2x, modal: .never),
        Row(customId: "MJ::Outpaint::75::1::\(h)::SOLO", label: "Zoom Out 1.5x", emoji: "🔍", kind: .zoomOut1_5x, modal: .never),
        Row(customId: "MJ::CustomZoom::\(h)", label: "Custom Zoom", emoji: "🔍", kind: .customZoom, modal: .always),
        Row(customId: "MJ::CustomZoom::1::\(h)", label: "Custom Zoom", emoji: "🔍", kind: .customZoom, modal: .always),
        Row(customId: "MJ::JOB::pan_left::1::\(h)::SOLO", emoji: "⬅️", kind: .pan(.left), modal: .whenRemix),
        Row(customId: "MJ::JOB::pan_right::1::\(h)::SOLO", emoji: "➡️", kind: .pan(.right), modal: .whenRemix),
        Row(customId: "MJ::JOB::pan_up::1::\(h)::SOLO", emoji: "⬆️", kind: .pan(.up), modal: .whenRemix),
        Row(customId: "MJ::JOB::pan_down::1::\(h)::SOLO", emoji: "⬇️", kind: .pan(.down), modal: .whenRemix),
        Row(customId: "MJ::BOOKMARK::\(h)", emoji: "❤️", kind: .bookmark, modal: .never),
        Row(customId: "MJ::JOB::animate_high::1::\(h)::SOLO", label: "Animate (High motion)", emoji: "🎞️",
            kind: .animate(high: true), modal: .whenRemix),
        Row(customId: "MJ::JOB::animate_low::1::\(h)::SOLO", label: "Animate (Low motion)", emoji: "🎞️",
            kind: .animate(high: false), modal: .whenRemix),
        Row(customId: "MJ::JOB::animate_high_extend::1::\(h)", label: "Extend (High motion)", kind: .animateExtend(high: true), modal: .whenRemix),
        Row(customId: "MJ::JOB::animate_low_extend::1::\(h)", label: "Extend (Low motion)", kind: .animateExtend(high: false), modal: .whenRemix),
        Row(customId: "MJ::JOB::video_virtual_upscale::3::\(h)", label: "U3", kind: .videoUpscale(3), modal: .never),
        Row(customId: "MJ::Job::PicReader::1", emoji: "1️⃣", kind: .describePick(1), modal: .always),
        Row(customId: "MJ::Job::PicReader::4", emoji: "4️⃣", kind: .describePick(4), modal: .always),
        Row(customId: "MJ::Picread::Retry", emoji: "🔄", kind: .describeRetry, modal: .never),
        Row(customId: "MJ::Job::PicReader::all", label: "Imagine all", emoji: "🎉", kind: .imagineAll, modal: .never),
        Row(customId: "MJ::Job::PromptAnalyzer::5", emoji: "5️⃣", kind: .shortenPick(5), modal: .unlessAutoSubmit),
    ]

    @Test(arguments: rows)
    func catalogueRow(_ row: Row) {
        let button = MJButton(customId: row.customId, emoji: row.emoji, label: row.label)
        #expect(button.kind == row.kind)
        #expect(button.kind.modal == row.modal)
        #expect(button.needsModal == (row.modal == .always))
        #expect(ButtonKind(name: row.kind.name) == row.kind, "name \(row.kind.name) parses back")
    }

    @Test func customIdWinsOverLabel() {
        // A trueai video grid labels its buttons U1–U4 too.
        let button = MJButton(customId: "MJ::JOB::video_virtual_upscale::1::\(Self.h)", label: "U1")
        #expect(button.kind == .videoUpscale(1))
    }

    @Test func unknownFormatsFallBackToLabelAndEmoji() {
        #expect(ButtonKind(customId: "MJ::JOB::upsample_v9_future::1::x", label: "U2") == .upscale(2))
        #expect(ButtonKind(customId: "something::new", label: "Vary (Region)") == .varyRegion)
        #expect(ButtonKind(customId: "something::new", emoji: "⬅️") == .pan(.left))
        #expect(ButtonKind(customId: "", label: "Show Details") == .showDetails)
        #expect(ButtonKind(customId: "MJ::Outpaint::60::1::x") == .unknown)
        #expect(ButtonKind(customId: "MJ::JOB::upsample::9::x") == .unknown)
        #expect(ButtonKind(customId: "MJ::JOB::brand_new::1::x", label: "Brand New") == .unknown)
    }

    @Test func modalInputs() {
        #expect(ButtonKind.customZoom.modalInput == .zoomPrompt)
        #expect(ButtonKind.varyRegion.modalInput == .mask)
        #expect(ButtonKind.describePick(2).modalInput == .prompt)
    }

    @Test func namesAreShortAndDistinct() {
        let names = Self.rows.map(\.kind).map(\.name)
        #expect(Set(names).count == Set(Self.rows.map(\.kind)).count)
        #expect(ButtonKind(name: "u1") == .upscale(1))
        #expect(ButtonKind(name: "PAN-LEFT") == .pan(.left))
        #expect(ButtonKind(name: "nonsense") == nil)
    }

    @Test func usedButtonsAreRecognised() {
        #expect(MJButton(customId: "MJ::JOB::upsample::1::x", label: "U1", style: 3).isUsed)
        #expect(!MJButton(customId: "MJ::JOB::upsample::1::x", label: "U1", style: 2).isUsed)
    }
}
