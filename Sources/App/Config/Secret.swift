/// A credential read from the config, a `*_file` or the environment.
///
/// Its `description` never shows the value, so a secret interpolated into a log line or an
/// error by mistake stays hidden.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    /// Where it came from, for `check-config` (e.g. `env MJBRIDGE_PROXY_API_KEY`).
    public let origin: String

    public init(_ value: String, origin: String) {
        self.value = value
        self.origin = origin
    }

    public var description: String { "<redacted from \(origin)>" }
    public var debugDescription: String { description }
}
