import Foundation

/// Where the shared database is: `[store] url = "postgres://user@host:port/db?sslmode=…"`, the
/// password kept apart (from the environment or a file, like every secret; never in the URL a
/// log line might print).
public struct PostgresStoreConfiguration: Sendable, Equatable {
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP (a loopback or otherwise protected link only).
        case disable
        /// TLS required, the server's certificate verified against the trust roots (or
        /// `caFile`) and its name: the default, as everywhere in the bot.
        case verifyFull = "verify-full"
        /// TLS required, the certificate not verified (an operator's explicit choice).
        case require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var password: String?
    public var tls: TLSMode
    /// PEM file of the CA that signed the server's certificate (for `verify-full`).
    public var caFile: String?
    /// Connections of this process's pool (the ownership locks use their own sessions).
    public var maximumConnections: Int

    public init(host: String, port: Int = 5432, user: String, database: String, password: String? = nil,
                tls: TLSMode = .verifyFull, caFile: String? = nil, maximumConnections: Int = 8) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.password = password
        self.tls = tls
        self.caFile = caFile
        self.maximumConnections = maximumConnections
    }

    /// Parses `postgres://user@host[:port]/database[?sslmode=disable|require|verify-full]`
    /// (`postgresql://` too). A password inside the URL is refused: it would end up in config
    /// dumps and logs; it comes from `password` instead.
    public init(url: String, password: String?) throws {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresStoreError.badURL("\(Self.redacted(url)) is not a postgres:// URL")
        }
        guard components.password == nil else {
            throw PostgresStoreError.badURL("the URL carries a password: put it in the environment or a file instead")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresStoreError.badURL("\(url) names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresStoreError.badURL("\(url) names no user (postgres://user@host/database)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresStoreError.badURL("\(url) names no database (postgres://user@host/database)")
        }
        var tls = TLSMode.verifyFull
        var caFile: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw PostgresStoreError.badURL("sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            case "sslrootcert":
                caFile = item.value
            default:
                throw PostgresStoreError.badURL("unknown URL parameter \(item.name) (known: sslmode, sslrootcert)")
            }
        }
        self.init(host: host, port: components.port ?? 5432, user: user, database: database,
                  password: password, tls: tls, caFile: caFile)
    }

    /// The URL without any password, for logs and `!pending`.
    public var displayURL: String {
        "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "(unparseable URL)"
    }
}
