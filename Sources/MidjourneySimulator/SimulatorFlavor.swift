import Foundation

/// Which real proxy the simulator imitates; their quirks differ (see mj-proxy-api.md).
public enum SimulatorFlavor: String, Sendable, CaseIterable, CustomStringConvertible {
    /// trueai-org/midjourney-proxy (C#): `Authorization` verbatim, 204 on unknown fetch,
    /// queue full = code 9, banned words fail the task later, 404 + code 3 for missing parents.
    case trueai
    /// novicezk/midjourney-proxy and midjourney-proxy-plus: `mj-api-secret`, empty 200 on
    /// unknown fetch, queue full = code 23, banned words = code 24 up front.
    case novicezk

    public var description: String { rawValue }

    /// What the flavour imitates, for the start-up banner and `--help`.
    public var imitates: String {
        switch self {
        case .trueai: "trueai-org/midjourney-proxy"
        case .novicezk: "novicezk/midjourney-proxy and midjourney-proxy-plus"
        }
    }

    /// Parses a `--flavor` value; accepts a few spellings users will type.
    public init?(parsing text: String) {
        switch text.lowercased().trimmingCharacters(in: .whitespaces) {
        case "trueai", "trueai-org", "ta", "true-ai": self = .trueai
        case "novicezk", "nz", "plus", "pp", "midjourney-proxy-plus", "novice": self = .novicezk
        default: return nil
        }
    }
}
