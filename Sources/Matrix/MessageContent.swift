/// The content of the events the bot sends. Pure builders; the transport picks the relation
/// from the command's event.
public enum MessageContent {
    /// Where a reply goes: the event it answers and, when that event was in a thread, the
    /// thread's root (the reply then stays in the thread).
    public struct ReplyTarget: Sendable, Hashable {
        public var eventID: String
        public var threadRoot: String?

        public init(eventID: String, threadRoot: String? = nil) {
            self.eventID = eventID
            self.threadRoot = threadRoot
        }

        /// Answering `message`: in its thread if it has one.
        public init(answering message: RoomMessage) {
            self.init(eventID: message.eventID, threadRoot: message.threadRoot)
        }
    }

    /// A notice (`m.notice`: bots speak in notices, and bots do not answer notices, so two
    /// bots cannot loop). `body` is the plain text; `formatted_body` the same text escaped with
    /// clickable links (`ChatHTML`). `mentions` fills `m.mentions.user_ids`, which is also
    /// what keeps an `@room` in the text from pinging the room: clients that see `m.mentions`
    /// notify only the users listed there.
    public static func notice(_ text: String, replyTo target: ReplyTarget? = nil, mentions: [String] = []) -> MatrixJSON {
        let body = ChatHTML.clean(text)
        var content: [String: MatrixJSON] = [
            "msgtype": "m.notice",
            "body": .string(body),
            "format": "org.matrix.custom.html",
            "formatted_body": .string(ChatHTML.render(body)),
            "m.mentions": mentionsJSON(mentions),
        ]
        if let relation = relation(target) { content["m.relates_to"] = relation }
        return .object(content)
    }

    /// An `m.image` for an uploaded file. `info` carries what clients need to lay the image
    /// out before downloading it.
    public static func image(_ uri: MediaURI, filename: String, mimetype: String, size: Int, width: Int?, height: Int?,
                             replyTo target: ReplyTarget? = nil, mentions: [String] = []) -> MatrixJSON {
        var info: [String: MatrixJSON] = ["mimetype": .string(mimetype), "size": .int(Int64(size))]
        if let width { info["w"] = .int(Int64(width)) }
        if let height { info["h"] = .int(Int64(height)) }
        var content: [String: MatrixJSON] = [
            "msgtype": "m.image",
            "body": .string(ChatHTML.clean(filename)),
            "url": .string(uri.description),
            "info": .object(info),
            "m.mentions": mentionsJSON(mentions),
        ]
        if let relation = relation(target) { content["m.relates_to"] = relation }
        return .object(content)
    }

    /// Outside threads: `{"m.in_reply_to": {"event_id": …}}`. In a thread:
    /// `rel_type: m.thread` on the root, with the real reply in `m.in_reply_to` and
    /// `is_falling_back: false` (it is a reply, not the thread fallback). No reply fallback
    /// (`> <@user> …` quote in the body): removed from the spec in v1.13.
    static func relation(_ target: ReplyTarget?) -> MatrixJSON? {
        guard let target else { return nil }
        let inReplyTo: MatrixJSON = ["event_id": .string(target.eventID)]
        guard let root = target.threadRoot else { return ["m.in_reply_to": inReplyTo] }
        return [
            "rel_type": "m.thread",
            "event_id": .string(root),
            "is_falling_back": false,
            "m.in_reply_to": inReplyTo,
        ]
    }

    private static func mentionsJSON(_ users: [String]) -> MatrixJSON {
        var seen = Set<String>()
        return ["user_ids": .array(users.filter { seen.insert($0).inserted }.map { .string($0) })]
    }
}
