/// An `m.room.message` from a room's timeline: what a command arrives as.
public struct RoomMessage: Sendable, Hashable {
    public var roomID: String
    public var eventID: String
    /// The Matrix user id, authenticated by the homeserver (no spoofing question as with nicks).
    public var sender: String
    /// Milliseconds since 1970, the sender's homeserver's clock.
    public var originServerTS: Int64
    /// `m.text`, `m.notice`, `m.emote`, `m.image`... (as sent; untrusted).
    public var msgtype: String
    /// The plain text; chat text, any byte may be hostile.
    public var body: String
    public var formattedBody: String?
    /// `url` of media messages (`m.image`, `m.file`): an `mxc://` URI (unchecked text).
    public var mediaURL: String?
    public var relation: MessageRelation?
    /// The *bot's* membership in the room when this event was sent (`unsigned.membership`,
    /// MSC4115; Synapse 1.163 sends it). The first sync after a join also delivers history from
    /// before the join (rooms with `history_visibility: shared`): those events say `leave` or
    /// `invite` here, and a bot that runs no backlog ignores them.
    public var viewerMembership: String?

    public init(roomID: String, eventID: String, sender: String, originServerTS: Int64, msgtype: String, body: String,
                formattedBody: String? = nil, mediaURL: String? = nil, relation: MessageRelation? = nil,
                viewerMembership: String? = nil) {
        self.roomID = roomID
        self.eventID = eventID
        self.sender = sender
        self.originServerTS = originServerTS
        self.msgtype = msgtype
        self.body = body
        self.formattedBody = formattedBody
        self.mediaURL = mediaURL
        self.relation = relation
        self.viewerMembership = viewerMembership
    }

    /// The thread the message is in, if any: replies to a command in a thread go there too.
    public var threadRoot: String? {
        if case .thread(let root, _, _) = relation { return root }
        return nil
    }

    /// An edit (`m.replace`) repeats an earlier message's text with `* ` in front; a bot runs
    /// commands from new messages only.
    public var isEdit: Bool {
        if case .replacement = relation { return true }
        return false
    }
}

/// `content.m.relates_to` of a message.
public enum MessageRelation: Sendable, Hashable {
    /// In a thread (`rel_type: m.thread`). `inReplyTo` is the event it answers; with
    /// `isFallingBack` true that is only the thread's latest event (a fallback for clients
    /// without threads), not a real reply.
    case thread(root: String, inReplyTo: String?, isFallingBack: Bool)
    /// A rich reply outside threads (`m.in_reply_to`).
    case reply(to: String)
    /// An edit of `eventID` (`rel_type: m.replace`).
    case replacement(of: String)
    /// Another relation (annotation, reference...).
    case other(relType: String, eventID: String?)
}
