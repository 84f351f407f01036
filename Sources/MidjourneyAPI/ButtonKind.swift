import Foundation

/// The semantic action behind a button (contract §6), parsed from its customId, or from its
/// label/emoji when the customId has a format we do not know.
public enum ButtonKind: Sendable, Hashable, CustomStringConvertible {
    case upscale(Int)
    case variation(Int)
    case reroll
    case upscaleSubtle
    case upscaleCreative
    case upscale2x
    case upscale4x
    case varySubtle
    case varyStrong
    case varyRegion
    case zoomOut2x
    case zoomOut1_5x
    case customZoom
    case pan(PanDirection)
    /// `MJ::Job::PicReader::<n>`: imagine with describe's n-th prompt.
    case describePick(Int)
    case describeRetry
    /// `MJ::Job::PicReader::all` (trueai only).
    case imagineAll
    /// `MJ::Job::PromptAnalyzer::<n>`: imagine with shorten's n-th prompt.
    case shortenPick(Int)
    case showDetails
    case animate(high: Bool)
    case animateExtend(high: Bool)
    /// U1–U4 on a video grid (`MJ::JOB::video_virtual_upscale::<i>`).
    case videoUpscale(Int)
    case bookmark
    case unknown

    public enum PanDirection: String, Sendable, Hashable, CaseIterable {
        case left, right, up, down
    }

    /// When the server answers code 21 (contract §4).
    public enum ModalRequirement: Sendable, Hashable {
        case never
        /// Only when the account has remix on and remix-auto-submit off (or trueai `enableRemix`).
        case whenRemix
        /// PromptAnalyzer: unless the account auto-submits.
        case unlessAutoSubmit
        case always
    }

    /// What the modal step needs from the user.
    public enum ModalInput: Sendable, Hashable {
        /// A prompt (may be empty: the server reuses the parent's).
        case prompt
        /// A prompt containing `--zoom <1…2>`.
        case zoomPrompt
        /// A mask PNG (white = area to redo), prompt optional.
        case mask
    }

    public init(customId: String, label: String = "", emoji: String = "") {
        self = Self.parse(customId: customId) ?? Self.parse(label: label, emoji: emoji) ?? .unknown
    }

    private static func parse(customId: String) -> ButtonKind? {
        let parts = customId.components(separatedBy: "::")
        guard parts.count >= 2, parts[0] == "MJ" else { return nil }
        let index = parts.count > 3 ? Int(parts[3]) : nil
        switch parts[1] {
        case "JOB":
            guard parts.count >= 3 else { return nil }
            let job = parts[2]
            switch job {
            case "upsample": return index.flatMap(Self.gridIndex).map(ButtonKind.upscale)
            case "variation": return index.flatMap(Self.gridIndex).map(ButtonKind.variation)
            case "reroll": return .reroll
            case "low_variation": return .varySubtle
            case "high_variation": return .varyStrong
            case "video_virtual_upscale": return index.flatMap(Self.gridIndex).map(ButtonKind.videoUpscale)
            case "pan_left": return .pan(.left)
            case "pan_right": return .pan(.right)
            case "pan_up": return .pan(.up)
            case "pan_down": return .pan(.down)
            case "animate_high": return .animate(high: true)
            case "animate_low": return .animate(high: false)
            case "animate_high_extend": return .animateExtend(high: true)
            case "animate_low_extend": return .animateExtend(high: false)
            default:
                guard job.hasPrefix("upsample_") else { return nil }
                if job.hasSuffix("_subtle") { return .upscaleSubtle }
                if job.hasSuffix("_creative") { return .upscaleCreative }
                if job.hasSuffix("_2x") { return .upscale2x }
                if job.hasSuffix("_4x") { return .upscale4x }
                return nil
            }
        case "Inpaint": return .varyRegion
        case "Outpaint":
            switch parts.count > 2 ? parts[2] : "" {
            case "50": return .zoomOut2x
            case "75": return .zoomOut1_5x
            default: return nil
            }
        case "CustomZoom": return .customZoom
        case "BOOKMARK": return .bookmark
        case "Picread" where parts.count > 2 && parts[2] == "Retry": return .describeRetry
        case "Job" where parts.count > 3:
            switch parts[2] {
            case "PicReader":
                if parts[3] == "all" { return .imagineAll }
                return Int(parts[3]).map(ButtonKind.describePick)
            case "PromptAnalyzer":
                return Int(parts[3]).map(ButtonKind.shortenPick)
            default: return nil
            }
        default: return nil
        }
    }

    private static func gridIndex(_ i: Int) -> Int? { (1...4).contains(i) ? i : nil }

    private static let numberEmoji = ["1️⃣": 1, "2️⃣": 2, "3️⃣": 3, "4️⃣": 4, "5️⃣": 5]

    private static func parse(label: String, emoji: String) -> ButtonKind? {
        let l = label.trimmingCharacters(in: .whitespaces).lowercased()
        if l.count == 2, let i = Int(l.dropFirst()).flatMap(gridIndex) {
            if l.hasPrefix("u") { return .upscale(i) }
            if l.hasPrefix("v") { return .variation(i) }
        }
        switch l {
        case "upscale (subtle)": return .upscaleSubtle
        case "upscale (creative)": return .upscaleCreative
        case "upscale (2x)": return .upscale2x
        case "upscale (4x)": return .upscale4x
        case "vary (subtle)": return .varySubtle
        case "vary (strong)": return .varyStrong
        case "vary (region)": return .varyRegion
        case "zoom out 2x": return .zoomOut2x
        case "zoom out 1.5x": return .zoomOut1_5x
        case "custom zoom": return .customZoom
        case "imagine all": return .imagineAll
        case "show details": return .showDetails
        case "animate (high motion)": return .animate(high: true)
        case "animate (low motion)": return .animate(high: false)
        case "extend (high motion)": return .animateExtend(high: true)
        case "extend (low motion)": return .animateExtend(high: false)
        default: break
        }
        guard l.isEmpty else { return nil }
        switch emoji {
        case "🔄": return .reroll
        case "⬅️": return .pan(.left)
        case "➡️": return .pan(.right)
        case "⬆️": return .pan(.up)
        case "⬇️": return .pan(.down)
        case "❤️": return .bookmark
        default: return nil
        }
    }

    public var modal: ModalRequirement {
        switch self {
        case .customZoom, .varyRegion, .describePick: .always
        case .shortenPick: .unlessAutoSubmit
        case .variation, .reroll, .varySubtle, .varyStrong, .pan, .animate, .animateExtend: .whenRemix
        default: .never
        }
    }

    public var needsModal: Bool { modal == .always }

    public var modalInput: ModalInput {
        switch self {
        case .customZoom: .zoomPrompt
        case .varyRegion: .mask
        default: .prompt
        }
    }

    /// Short, stable, IRC-friendly name: `U1`, `V3`, `reroll`, `upscale-subtle`, `pan-left`,
    /// `describe-2`, … (`unknown` for unrecognised buttons).
    public var name: String {
        switch self {
        case .upscale(let i): "U\(i)"
        case .variation(let i): "V\(i)"
        case .reroll: "reroll"
        case .upscaleSubtle: "upscale-subtle"
        case .upscaleCreative: "upscale-creative"
        case .upscale2x: "upscale-2x"
        case .upscale4x: "upscale-4x"
        case .varySubtle: "vary-subtle"
        case .varyStrong: "vary-strong"
        case .varyRegion: "vary-region"
        case .zoomOut2x: "zoom-2x"
        case .zoomOut1_5x: "zoom-1.5x"
        case .customZoom: "zoom-custom"
        case .pan(let d): "pan-\(d.rawValue)"
        case .describePick(let i): "describe-\(i)"
        case .describeRetry: "describe-retry"
        case .imagineAll: "imagine-all"
        case .shortenPick(let i): "shorten-\(i)"
        case .showDetails: "details"
        case .animate(let high): high ? "animate-high" : "animate-low"
        case .animateExtend(let high): high ? "extend-high" : "extend-low"
        case .videoUpscale(let i): "video-U\(i)"
        case .bookmark: "bookmark"
        case .unknown: "unknown"
        }
    }

    /// Parses `name` back, case-insensitively (`u1`, `Zoom-2x`).
    public init?(name: String) {
        let wanted = name.lowercased()
        let all: [ButtonKind] = (1...4).flatMap { [ButtonKind.upscale($0), .variation($0), .describePick($0), .videoUpscale($0)] }
            + (1...5).map(ButtonKind.shortenPick)
            + [.reroll, .upscaleSubtle, .upscaleCreative, .upscale2x, .upscale4x, .varySubtle, .varyStrong, .varyRegion,
               .zoomOut2x, .zoomOut1_5x, .customZoom, .describeRetry, .imagineAll, .showDetails,
               .animate(high: true), .animate(high: false), .animateExtend(high: true), .animateExtend(high: false), .bookmark]
            + PanDirection.allCases.map(ButtonKind.pan)
        guard let kind = all.first(where: { $0.name.lowercased() == wanted }) else { return nil }
        self = kind
    }

    public var description: String { name }
}
