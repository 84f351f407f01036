import Foundation
import GRDB

/// What the owners changed about one channel from chat (`!join`, `!part`, `!progress`): kept
/// so it survives a restart, applied on top of `bot.conf`.
public struct ChannelSetting: Sendable, Hashable, Codable {
    /// Whether the owners asked the bot to be in the channel.
    public enum Membership: String, Sendable, Hashable, Codable {
        case joined
        case parted
    }

    public var network: String
    /// Case-folded (RFC 1459), the key together with `network`.
    public var channelKey: String
    /// As the owner typed it, for JOIN and for showing.
    public var channel: String
    /// A `ProgressPolicy` raw value; nil = as configured.
    public var progress: String?
    /// Nil = as configured.
    public var membership: Membership?
    /// The key given with `!join`, for rejoining after a restart.
    public var joinKey: String?
    public var updatedAt: Date

    public init(network: String, channel: String, progress: String? = nil, membership: Membership? = nil,
                joinKey: String? = nil, updatedAt: Date) {
        self.network = network
        self.channelKey = TaskRoute.fold(channel)
        self.channel = channel
        self.progress = progress
        self.membership = membership
        self.joinKey = joinKey
        self.updatedAt = updatedAt
    }
}

extension ChannelSetting: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "channelSetting"
}
