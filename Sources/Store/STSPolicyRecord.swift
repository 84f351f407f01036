import Foundation
import GRDB

/// An IRCv3 STS policy remembered for a host: connect with TLS to `port` until `expiresAt`.
/// Written when a server says so over verified TLS; the IRC client decides what it means.
public struct STSPolicyRecord: Sendable, Hashable, Codable {
    /// Lower-cased host name, as configured.
    public var host: String
    public var port: Int
    /// The policy's `duration`, for showing and refreshing.
    public var durationSeconds: Int
    public var preload: Bool
    public var expiresAt: Date
    public var updatedAt: Date

    public init(host: String, port: Int, durationSeconds: Int, preload: Bool, expiresAt: Date, updatedAt: Date) {
        self.host = host.lowercased()
        self.port = port
        self.durationSeconds = durationSeconds
        self.preload = preload
        self.expiresAt = expiresAt
        self.updatedAt = updatedAt
    }
}

extension STSPolicyRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "stsPolicy"
}
