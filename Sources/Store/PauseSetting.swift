import Foundation
import GRDB

/// New jobs refused (`!pause`): everywhere, or in one channel of one network.
public struct PauseSetting: Sendable, Hashable, Codable {
    /// `PauseSetting.everywhere` for a global pause.
    public var network: String
    /// Folded (RFC 1459) channel name; `PauseSetting.everywhere` for a global pause.
    public var channelKey: String
    /// As typed, for showing; nil for a global pause.
    public var channel: String?
    /// Said to whoever submits while paused; nil = a standard sentence.
    public var message: String?
    public var pausedBy: String
    public var pausedAt: Date

    /// The network and channel key of a global pause (no network or channel can be named `*`).
    public static let everywhere = "*"

    public init(network: String, channel: String?, message: String?, pausedBy: String, pausedAt: Date) {
        self.network = channel == nil ? Self.everywhere : network
        self.channelKey = channel.map(TaskRoute.fold) ?? Self.everywhere
        self.channel = channel
        self.message = message
        self.pausedBy = pausedBy
        self.pausedAt = pausedAt
    }

    public var isGlobal: Bool { channel == nil }
}

extension PauseSetting: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "pauseSetting"
}
