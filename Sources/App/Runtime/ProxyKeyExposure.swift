import Foundation

/// Whether the proxy API key would cross a network in clear text: a key is configured and
/// `proxy.base_url` is plain `http://` to a host that is not this machine. Not refused (a proxy
/// on a trusted private network is a real setup), but said loudly at start-up.
public enum ProxyKeyExposure {
    /// The warning to log, or nil when the key stays on this machine, travels over TLS, or
    /// there is no key.
    public static func warning(baseURL: String, hasAPIKey: Bool) -> String? {
        guard hasAPIKey, let components = URLComponents(string: baseURL),
              components.scheme?.lowercased() == "http", let host = components.host, !isLoopback(host)
        else { return nil }
        return "proxy.base_url is plain http:// to \(host): the API key is sent unencrypted with every request; use https:// unless that network is trusted"
    }

    /// `localhost`, 127.0.0.0/8 and ::1 (also in brackets and IPv4-mapped).
    static func isLoopback(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "localhost." || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        for mapped in ["::ffff:", "0:0:0:0:0:ffff:"] where name.hasPrefix(mapped) {
            name = String(name.dropFirst(mapped.count))
        }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil && $0.allSatisfy(\.isASCII) }) else { return false }
        return octets[0] == "127"
    }
}
