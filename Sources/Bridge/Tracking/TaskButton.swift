import Foundation

/// One button of a finished task, kept as the proxy sent it: the `customId` goes back verbatim.
public struct TaskButton: Sendable, Hashable, Codable {
    public var customId: String
    public var label: String
    public var emoji: String

    public init(customId: String, label: String = "", emoji: String = "") {
        self.customId = customId
        self.label = label
        self.emoji = emoji
    }

    public var kind: TaskButtonKind { TaskButtonKind(customId: customId) }

    /// How `!btn` and help show it: the label, else the emoji, else the kind.
    public var displayName: String {
        if !label.isEmpty { return label }
        if !emoji.isEmpty { return emoji }
        return "\(kind)"
    }

    static func encode(_ buttons: [TaskButton]) -> String? {
        guard !buttons.isEmpty, let data = try? JSONEncoder().encode(buttons) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ json: String?) -> [TaskButton] {
        guard let json, let buttons = try? JSONDecoder().decode([TaskButton].self, from: Data(json.utf8)) else { return [] }
        return buttons
    }
}

public enum PanDirection: String, Sendable, Hashable, CaseIterable {
    case left, right, up, down
}

/// What a button does, read from its `customId` (see the contract's customId catalogue).
public enum TaskButtonKind: Sendable, Hashable {
    case upscale(Int)
    case variation(Int)
    case reroll
    case upscaleSubtle, upscaleCreative, upscale2x, upscale4x
    case varySubtle, varyStrong, varyRegion
    case zoomOut2x, zoomOut1_5x, customZoom
    case pan(PanDirection)
    case describePick(Int)
    case describeRetry
    case imagineAll
    case animate(high: Bool)
    case bookmark
    case unknown

    public init(customId: String) {
        let parts = customId.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        // parts: ["MJ", "JOB", "upsample", "1", "<hash>"] etc.
        func index(_ i: Int) -> Int? { i < parts.count ? Int(parts[i]) : nil }
        guard parts.count >= 2, parts[0] == "MJ" else { self = .unknown; return }
        switch parts[1] {
        case "JOB" where parts.count >= 3:
            let job = parts[2]
            switch job {
            case "upsample": self = index(3).map { .upscale($0) } ?? .unknown
            case "variation": self = index(3).map { .variation($0) } ?? .unknown
            case "reroll": self = .reroll
            case "low_variation": self = .varySubtle
            case "high_variation": self = .varyStrong
            case "video_virtual_upscale": self = index(3).map { .upscale($0) } ?? .unknown
            default:
                if job.hasPrefix("upsample_") {
                    if job.hasSuffix("_subtle") { self = .upscaleSubtle }
                    else if job.hasSuffix("_creative") { self = .upscaleCreative }
                    else if job.hasSuffix("_2x") { self = .upscale2x }
                    else if job.hasSuffix("_4x") { self = .upscale4x }
                    else { self = .unknown }
                } else if job.hasPrefix("pan_"), let direction = PanDirection(rawValue: String(job.dropFirst(4))) {
                    self = .pan(direction)
                } else if job.hasPrefix("animate_") {
                    self = .animate(high: job.hasPrefix("animate_high"))
                } else {
                    self = .unknown
                }
            }
        case "Inpaint": self = .varyRegion
        case "Outpaint": self = parts.count >= 3 && parts[2] == "50" ? .zoomOut2x : (parts.count >= 3 && parts[2] == "75" ? .zoomOut1_5x : .unknown)
        case "CustomZoom": self = .customZoom
        case "BOOKMARK": self = .bookmark
        case "Job" where parts.count >= 4 && parts[2] == "PicReader":
            if parts[3] == "all" { self = .imagineAll } else { self = index(3).map { .describePick($0) } ?? .unknown }
        case "Picread": self = .describeRetry
        default: self = .unknown
        }
    }
}
