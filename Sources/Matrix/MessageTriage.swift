/// Which timeline messages a command bot looks at, and why not the others. Pure; the
/// transport asks it for every `RoomMessage` of a sync batch before parsing commands.
public enum MessageTriage {
    public enum Verdict: Sendable, Hashable {
        /// A plain text message from someone else, sent while the bot was in the room.
        case consider
        case ignore(Reason)
    }

    public enum Reason: Sendable, Hashable {
        /// The bot's own message (its notices come back through `/sync`).
        case ownMessage
        /// `m.notice`: bots do not answer notices, so two bots cannot talk in a loop.
        case notice
        /// An edit (`m.replace`): commands run from new messages only, or an edited command
        /// would run twice.
        case edit
        /// Sent before the bot joined (history delivered with the join, `unsigned.membership`
        /// not `join`): no backlog replay.
        case beforeJoin
        /// The room is end-to-end encrypted: the transport says so once instead of answering.
        case encryptedRoom
        /// Not `m.text` (emotes, images, files): not a command.
        case notText
    }

    /// `roomIsEncrypted` is what the transport knows about the room (the `m.room.encryption`
    /// event may have come in an earlier batch).
    public static func verdict(for message: RoomMessage, ownUserID: String, roomIsEncrypted: Bool) -> Verdict {
        if message.sender == ownUserID { return .ignore(.ownMessage) }
        if roomIsEncrypted { return .ignore(.encryptedRoom) }
        if message.msgtype == "m.notice" { return .ignore(.notice) }
        if message.isEdit { return .ignore(.edit) }
        // Servers without MSC4115 leave it out: then the transport's own join bookkeeping
        // (skip the first batch after a join) is all there is.
        if let membership = message.viewerMembership, membership != "join" { return .ignore(.beforeJoin) }
        if message.msgtype != "m.text" { return .ignore(.notText) }
        return .consider
    }
}
