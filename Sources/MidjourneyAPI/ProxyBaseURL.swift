import Foundation

/// The speed-mode path prefix some servers accept before `/mj` (trueai, new-api gateways).
public enum SpeedMode: String, Sendable, Hashable, CaseIterable {
    case fast = "mj-fast"
    case relax = "mj-relax"
    case turbo = "mj-turbo"
}

/// A user's base URL, normalised to the root every endpoint path hangs off.
///
/// Users copy base URLs from proxy READMEs, gateway dashboards and chat, so all of these are
/// accepted and mean the same server:
///
/// | configured                       | endpoints live under            |
/// |----------------------------------|---------------------------------|
/// | `http://h:8080`                  | `http://h:8080/mj/...`          |
/// | `http://h:8080/mj` (or `/mj/`)   | `http://h:8080/mj/...`          |
/// | `http://h:8080/mj-fast`          | `http://h:8080/mj-fast/mj/...`  |
/// | `http://h:8080/mj-fast/mj`       | `http://h:8080/mj-fast/mj/...`  |
/// | `https://gw.example/api/mj`      | `https://gw.example/api/mj/...` |
///
/// The client always owns the `/mj` segment: a path without it gets it appended. Rejected with a
/// hint: `/mj/mj` (doubled), a mode after `/mj` (`/mj/mj-fast`), an endpoint pasted as the base
/// (`/mj/submit/imagine`), query strings, non-HTTP schemes, missing hosts.
public struct ProxyBaseURL: Sendable, Hashable, CustomStringConvertible {
    /// `scheme://host[:port]` plus any gateway path before the mode and `/mj`, no trailing slash.
    public let origin: String
    /// Path segments before the mode prefix (for gateways mounted under a sub-path).
    public let pathPrefix: [String]
    public let mode: SpeedMode?

    public init(_ string: String) throws(MJError) {
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw .badBaseURL("the base URL is empty; use the proxy's address, e.g. http://host:8080")
        }
        guard let components = URLComponents(string: trimmed),
              let scheme = components.scheme?.lowercased() else {
            throw .badBaseURL("'\(trimmed)' is not a URL; use e.g. http://host:8080 or https://gateway.example")
        }
        guard scheme == "http" || scheme == "https" else {
            throw .badBaseURL("'\(trimmed)' must start with http:// or https://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .badBaseURL("'\(trimmed)' has no host; use e.g. http://host:8080")
        }
        guard components.query == nil, components.fragment == nil else {
            throw .badBaseURL("'\(trimmed)' contains a query or fragment; give only scheme, host, port and path")
        }
        guard components.user == nil, components.password == nil else {
            throw .badBaseURL("put the API key into the api key setting, not into the base URL")
        }

        var segments = components.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let mjCount = segments.filter { $0 == "mj" }.count
        if mjCount > 1 {
            throw .badBaseURL("'\(trimmed)' contains /mj twice; the client adds the endpoint paths itself, so end the base URL with a single /mj (or leave it out)")
        }
        if let mjIndex = segments.firstIndex(of: "mj") {
            let after = segments[(mjIndex + 1)...]
            if let first = after.first {
                if SpeedMode(rawValue: first) != nil {
                    throw .badBaseURL("'\(trimmed)': the speed mode comes before /mj, e.g. http://host:8080/\(first)")
                }
                throw .badBaseURL("'\(trimmed)' looks like an endpoint address; use only the part up to /mj")
            }
            segments.removeLast()
        }
        var mode: SpeedMode?
        if let last = segments.last, let parsed = SpeedMode(rawValue: last) {
            mode = parsed
            segments.removeLast()
        }
        if let stray = segments.first(where: { SpeedMode(rawValue: $0) != nil }) {
            throw .badBaseURL("'\(trimmed)': /\(stray) must come directly before /mj")
        }

        var origin = "\(scheme)://"
        // URLComponents drops the brackets of IPv6 literals in `host`; put them back.
        origin += host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        if let port = components.port { origin += ":\(port)" }
        self.origin = origin
        self.pathPrefix = segments
        self.mode = mode
    }

    /// The `/mj` root without trailing slash, e.g. `http://h:8080/mj-fast/mj`.
    public var mjRoot: String {
        var parts = pathPrefix
        if let mode { parts.append(mode.rawValue) }
        parts.append("mj")
        return origin + "/" + parts.joined(separator: "/")
    }

    /// Full URL of an endpoint given relative to `/mj`, e.g. `url(for: "/submit/imagine")`.
    public func url(for endpointPath: String) -> String {
        mjRoot + (endpointPath.hasPrefix("/") ? endpointPath : "/" + endpointPath)
    }

    public var description: String { mjRoot }
}
