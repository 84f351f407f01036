/// A task's `action`, kept as the raw string: servers keep adding kinds (trueai has 20+).
public struct TaskAction: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let imagine = TaskAction(rawValue: "IMAGINE")
    public static let upscale = TaskAction(rawValue: "UPSCALE")
    public static let variation = TaskAction(rawValue: "VARIATION")
    public static let reroll = TaskAction(rawValue: "REROLL")
    public static let describe = TaskAction(rawValue: "DESCRIBE")
    public static let blend = TaskAction(rawValue: "BLEND")
    public static let zoom = TaskAction(rawValue: "ZOOM")
    public static let pan = TaskAction(rawValue: "PAN")
    public static let shorten = TaskAction(rawValue: "SHORTEN")
    public static let swapFace = TaskAction(rawValue: "SWAP_FACE")
    public static let upscaleHD = TaskAction(rawValue: "UPSCALE_HD")
    public static let video = TaskAction(rawValue: "VIDEO")
    public static let inpaint = TaskAction(rawValue: "INPAINT")
    public static let outpaint = TaskAction(rawValue: "OUTPAINT")
    public static let action = TaskAction(rawValue: "ACTION")

    // Codable comes from the standard library's RawRepresentable defaults: a bare string.
    public var description: String { rawValue }
}
