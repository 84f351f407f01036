import Foundation

/// A URL the fetcher is willing to request: http or https, a host, no user info, a port in
/// range. Everything the shell needs is decided here, from the text alone.
public struct FetchURL: Hashable, Sendable, CustomStringConvertible {
    public enum Scheme: String, Hashable, Sendable {
        case http, https
        var defaultPort: Int { self == .http ? 80 : 443 }
    }

    /// Why a URL (or a redirect's Location) was refused.
    public enum Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        case malformed
        case unsupportedScheme(String)
        case missingHost
        case userInfo
        case badPort
        case badHost

        public var description: String {
            switch self {
            case .malformed: "not a URL"
            case .unsupportedScheme(let scheme): "scheme '\(scheme)' is not http or https"
            case .missingHost: "no host"
            case .userInfo: "user info (user:password@) in the URL"
            case .badPort: "port out of range"
            case .badHost: "host is not a plain DNS name or IP address"
            }
        }
    }

    public let scheme: Scheme
    /// Lower-case DNS name, or the text of `literal` (IPv6 without brackets).
    public let host: String
    public let port: Int
    /// Path and query as sent on the request line (`/` when empty); the fragment is dropped.
    public let target: String
    /// The address when the host is an IP literal: then nothing is resolved, and TLS has no SNI.
    public let literal: IPAddress?

    public init(parsing text: String) throws(Refusal) {
        // Chat text may carry spaces or controls; a URL never does.
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value != 0x7f }),
              let components = URLComponents(string: text) else { throw .malformed }
        guard let rawScheme = components.scheme else { throw .malformed }
        guard let scheme = Scheme(rawValue: rawScheme.lowercased()) else { throw .unsupportedScheme(rawScheme.lowercased()) }
        if components.percentEncodedUser != nil || components.percentEncodedPassword != nil { throw .userInfo }
        guard var host = components.percentEncodedHost, !host.isEmpty else { throw .missingHost }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        host = host.lowercased()
        let literal: IPAddress?
        if host.contains(":") {
            // Only a bracketed IPv6 literal has colons; zone ids (`%25eth0`) are refused here.
            guard let address = IPAddress(host), case .v6 = address else { throw .badHost }
            literal = address
            host = address.description
        } else {
            guard host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" }) else { throw .badHost }
            literal = IPAddress(host)
        }
        guard !host.isEmpty else { throw .missingHost }
        let port = components.port ?? scheme.defaultPort
        guard (1...65535).contains(port) else { throw .badPort }
        var target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { target += "?" + query }
        self.scheme = scheme
        self.host = host
        self.port = port
        self.target = target
        self.literal = literal
    }

    /// The value of the `Host` header (the port only when it is not the scheme's default).
    public var hostHeader: String {
        let name = literal.map { $0.isV4 ? host : "[\(host)]" } ?? host
        return port == scheme.defaultPort ? name : "\(name):\(port)"
    }

    public var description: String { "\(scheme.rawValue)://\(hostHeader)\(target)" }

    /// A redirect's `Location`, which may be relative, resolved against this URL.
    public func resolving(location: String) throws(Refusal) -> FetchURL {
        guard let base = URL(string: description),
              let resolved = URL(string: location, relativeTo: base)?.absoluteString else { throw .malformed }
        return try FetchURL(parsing: resolved)
    }
}
