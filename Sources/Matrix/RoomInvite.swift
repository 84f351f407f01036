/// An invitation of the bot to a room (`rooms.invite` of `/sync`), read from the stripped
/// state the inviter's server shares: enough to decide (`invites = owners|anyone|none`) before
/// joining.
public struct RoomInvite: Sendable, Hashable {
    public var roomID: String
    /// The sender of the bot's `invite` membership event (nil if the stripped state lacks it).
    public var inviter: String?
    public var roomName: String?
    /// `m.room.encryption` is in the room's state: the bot could not read it after joining.
    public var isEncrypted: Bool
    /// `is_direct` on the invite: a direct chat.
    public var isDirect: Bool

    public init(roomID: String, inviter: String?, roomName: String? = nil, isEncrypted: Bool = false, isDirect: Bool = false) {
        self.roomID = roomID
        self.inviter = inviter
        self.roomName = roomName
        self.isEncrypted = isEncrypted
        self.isDirect = isDirect
    }
}
