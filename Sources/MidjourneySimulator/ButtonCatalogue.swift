/// A Discord button as the proxies copy it into `buttons`.
struct SimButton: Sendable, Equatable {
    var customId: String
    var emoji: String
    var label: String
    var type = 2
    var style = 2

    var json: JSONValue {
        ["customId": .string(customId), "emoji": .string(emoji), "label": .string(label),
         "type": .int(Int64(type)), "style": .int(Int64(style))]
    }
}

/// What pressing a button means, parsed from its customId (contract §6).
enum ButtonAction: Sendable, Equatable {
    case upscale(Int)
    case variation(Int)
    case reroll
    case upscaleHD
    case varySubtle
    case varyStrong
    case varyRegion
    case zoomOut
    case customZoom
    case pan(String)
    case animate
    case videoUpscale
    case picReader(Int)
    case picReaderAll
    case describeRetry
    case promptAnalyzer(Int)
    case bookmark

    init?(customId id: String) {
        func index(after prefix: String) -> Int? {
            guard id.hasPrefix(prefix) else { return nil }
            return Int(id.dropFirst(prefix.count).prefix { $0.isNumber })
        }
        if let i = index(after: "MJ::JOB::upsample::") { self = .upscale(i) }
        else if id.hasPrefix("MJ::JOB::upsample_") { self = .upscaleHD }
        else if let i = index(after: "MJ::JOB::variation::") { self = .variation(i) }
        else if id.hasPrefix("MJ::JOB::reroll::") { self = .reroll }
        else if id.hasPrefix("MJ::JOB::low_variation::") { self = .varySubtle }
        else if id.hasPrefix("MJ::JOB::high_variation::") { self = .varyStrong }
        else if id.hasPrefix("MJ::Inpaint::") { self = .varyRegion }
        else if id.hasPrefix("MJ::Outpaint::") { self = .zoomOut }
        else if id.hasPrefix("MJ::CustomZoom::") { self = .customZoom }
        else if id.hasPrefix("MJ::JOB::pan_") {
            self = .pan(String(id.dropFirst("MJ::JOB::pan_".count).prefix { $0 != ":" }))
        }
        else if id.hasPrefix("MJ::JOB::animate_") { self = .animate }
        else if id.hasPrefix("MJ::JOB::video_virtual_upscale") { self = .videoUpscale }
        else if id == "MJ::Job::PicReader::all" { self = .picReaderAll }
        else if let n = index(after: "MJ::Job::PicReader::") { self = .picReader(n) }
        else if id == "MJ::Picread::Retry" { self = .describeRetry }
        else if let n = index(after: "MJ::Job::PromptAnalyzer::") { self = .promptAnalyzer(n) }
        else if id.hasPrefix("MJ::BOOKMARK::") { self = .bookmark }
        else { return nil }
    }

    /// Buttons that only run with Remix on; otherwise they run straight away.
    var isRemixable: Bool {
        switch self {
        case .variation, .reroll, .varySubtle, .varyStrong, .pan, .animate: return true
        default: return false
        }
    }
}

/// The button sets the simulator attaches to finished tasks.
enum ButtonCatalogue {
    /// U1–U4, 🔄, V1–V4: the nine buttons of a grid.
    static func grid(hash h: String) -> [SimButton] {
        (1...4).map { SimButton(customId: "MJ::JOB::upsample::\($0)::\(h)", emoji: "", label: "U\($0)") }
            + [SimButton(customId: "MJ::JOB::reroll::0::\(h)::SOLO", emoji: "🔄", label: "")]
            + (1...4).map { SimButton(customId: "MJ::JOB::variation::\($0)::\(h)", emoji: "", label: "V\($0)") }
    }

    /// Buttons under an upscaled image; which ones depends on the model version, as on Discord.
    static func upscaled(hash h: String, version: Double) -> [SimButton] {
        var buttons: [SimButton] = []
        if version >= 5 && version < 8 {
            let (subtle, creative): (String, String)
            if version >= 7 {
                (subtle, creative) = ("upsample_v7_2x_subtle", "upsample_v7_2x_creative")
            } else if version >= 6.1 {
                (subtle, creative) = ("upsample_v6r1_2x_subtle", "upsample_v6r1_2x_creative")
            } else if version >= 6 {
                (subtle, creative) = ("upsample_v6_2x_subtle", "upsample_v6_2x_creative")
            } else {
                (subtle, creative) = ("upsample_v5_2x", "upsample_v5_4x")
            }
            let labels = version >= 6 ? ("Upscale (Subtle)", "Upscale (Creative)") : ("Upscale (2x)", "Upscale (4x)")
            buttons += [
                SimButton(customId: "MJ::JOB::\(subtle)::1::\(h)::SOLO", emoji: "upscale_1", label: labels.0),
                SimButton(customId: "MJ::JOB::\(creative)::1::\(h)::SOLO", emoji: "upscale_1", label: labels.1),
            ]
        }
        buttons += [
            SimButton(customId: "MJ::JOB::low_variation::1::\(h)::SOLO", emoji: "🪄", label: "Vary (Subtle)"),
            SimButton(customId: "MJ::JOB::high_variation::1::\(h)::SOLO", emoji: "🪄", label: "Vary (Strong)"),
        ]
        if version >= 5 {
            buttons.append(SimButton(customId: "MJ::Inpaint::1::\(h)::SOLO", emoji: "🖌️", label: "Vary (Region)"))
        }
        if version >= 5 && version < 8 {
            buttons += [
                SimButton(customId: "MJ::Outpaint::50::1::\(h)::SOLO", emoji: "🔍", label: "Zoom Out 2x"),
                SimButton(customId: "MJ::Outpaint::75::1::\(h)::SOLO", emoji: "🔍", label: "Zoom Out 1.5x"),
                SimButton(customId: "MJ::CustomZoom::\(h)", emoji: "🔍", label: "Custom Zoom"),
                SimButton(customId: "MJ::JOB::pan_left::1::\(h)::SOLO", emoji: "⬅️", label: ""),
                SimButton(customId: "MJ::JOB::pan_right::1::\(h)::SOLO", emoji: "➡️", label: ""),
                SimButton(customId: "MJ::JOB::pan_up::1::\(h)::SOLO", emoji: "⬆️", label: ""),
                SimButton(customId: "MJ::JOB::pan_down::1::\(h)::SOLO", emoji: "⬇️", label: ""),
            ]
        }
        return buttons
    }

    /// 1️⃣–4️⃣ (imagine that description), 🔄 (describe again), 🎉 Imagine all.
    static func describe() -> [SimButton] {
        ["1️⃣", "2️⃣", "3️⃣", "4️⃣"].enumerated().map {
            SimButton(customId: "MJ::Job::PicReader::\($0.offset + 1)", emoji: $0.element, label: "")
        } + [
            SimButton(customId: "MJ::Picread::Retry", emoji: "🔄", label: ""),
            SimButton(customId: "MJ::Job::PicReader::all", emoji: "🎉", label: "Imagine all"),
        ]
    }

    /// 1️⃣–5️⃣ under a /shorten result.
    static func shorten() -> [SimButton] {
        PromptText.keycaps.prefix(5).enumerated().map {
            SimButton(customId: "MJ::Job::PromptAnalyzer::\($0.offset + 1)", emoji: $0.element, label: "")
        }
    }
}
