import Foundation

/// Reads a `/sync` answer into a `SyncBatch`. Lenient per event, strict per answer: an answer
/// without `next_batch` is an error (the transport must not advance), but one malformed event
/// (another user's client can put anything into content) is skipped and counted, so it cannot
/// stall the bot's sync loop forever.
public enum SyncParser {
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// `ownUserID` is the bot's user id: its invite is recognised by it.
    public static func parse(_ data: Data, ownUserID: String) throws(Failure) -> SyncBatch {
        let json: MatrixJSON
        do {
            json = try MatrixJSON.parse(data)
        } catch {
            throw Failure(description: "the /sync answer is not JSON")
        }
        return try parse(json, ownUserID: ownUserID)
    }

    public static func parse(_ json: MatrixJSON, ownUserID: String) throws(Failure) -> SyncBatch {
        guard let nextBatch = json["next_batch"]?.stringValue, !nextBatch.isEmpty else {
            throw Failure(description: "the /sync answer has no next_batch")
        }
        var batch = SyncBatch(nextBatch: nextBatch)
        let rooms = json["rooms"]

        for (roomID, room) in (rooms?["join"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            var update = JoinedRoomUpdate(roomID: roomID)
            for event in room["state"]?["events"]?.arrayValue ?? [] {
                guard let type = event["type"]?.stringValue else { batch.skippedEvents += 1; continue }
                if type == "m.room.encryption" { update.encryptionEnabled = true }
                if type == "m.room.name", let name = event["content"]?["name"]?.stringValue { update.name = name }
                if type == "m.room.member", let userID = event["state_key"]?.stringValue {
                    update.displayNames[userID] = event["content"]?["displayname"]?.stringValue
                }
            }
            let timeline = room["timeline"]
            update.limited = timeline?["limited"]?.boolValue ?? false
            update.prevBatch = timeline?["prev_batch"]?.stringValue
            for event in timeline?["events"]?.arrayValue ?? [] {
                switch readTimelineEvent(event, roomID: roomID) {
                case .event(let item):
                    if case .encryptionEnabled = item { update.encryptionEnabled = true }
                    if case .membership(let change) = item { update.displayNames[change.userID] = change.displayName }
                    update.timeline.append(item)
                case .room(let name):
                    update.name = name
                case .ignored:
                    break
                case .malformed:
                    batch.skippedEvents += 1
                }
            }
            batch.joinedRooms.append(update)
        }

        for (roomID, room) in (rooms?["invite"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            var invite = RoomInvite(roomID: roomID, inviter: nil)
            for event in room["invite_state"]?["events"]?.arrayValue ?? [] {
                switch event["type"]?.stringValue {
                case "m.room.member" where event["state_key"]?.stringValue == ownUserID:
                    invite.inviter = event["sender"]?.stringValue
                    invite.isDirect = event["content"]?["is_direct"]?.boolValue ?? false
                case "m.room.encryption":
                    invite.isEncrypted = true
                case "m.room.name":
                    invite.roomName = event["content"]?["name"]?.stringValue
                default:
                    break
                }
            }
            batch.invites.append(invite)
        }

        batch.leftRooms = (rooms?["leave"]?.objectValue ?? [:]).keys.sorted()
        return batch
    }

    private enum Read {
        case event(TimelineEvent)
        case room(name: String)
        case ignored
        case malformed
    }

    private static func readTimelineEvent(_ event: MatrixJSON, roomID: String) -> Read {
        guard let type = event["type"]?.stringValue,
              let eventID = event["event_id"]?.stringValue, !eventID.isEmpty,
              let sender = event["sender"]?.stringValue, !sender.isEmpty else { return .malformed }
        let content = event["content"]
        switch type {
        case "m.room.message":
            // A redacted message has empty content: nothing to run, nothing wrong.
            guard let fields = content?.objectValue else { return .malformed }
            if fields.isEmpty { return .ignored }
            guard let body = content?["body"]?.stringValue, let msgtype = content?["msgtype"]?.stringValue else {
                return .malformed
            }
            return .event(.message(RoomMessage(
                roomID: roomID, eventID: eventID, sender: sender,
                originServerTS: event["origin_server_ts"]?.int64Value ?? 0,
                msgtype: msgtype, body: body,
                formattedBody: content?["format"]?.stringValue == "org.matrix.custom.html"
                    ? content?["formatted_body"]?.stringValue : nil,
                mediaURL: content?["url"]?.stringValue,
                relation: relation(content?["m.relates_to"]),
                viewerMembership: event["unsigned"]?["membership"]?.stringValue
            )))
        case "m.room.member":
            guard let userID = event["state_key"]?.stringValue,
                  let membership = content?["membership"]?.stringValue else { return .malformed }
            return .event(.membership(MembershipChange(
                roomID: roomID, eventID: eventID, userID: userID, sender: sender, membership: membership,
                previousMembership: event["unsigned"]?["prev_content"]?["membership"]?.stringValue,
                displayName: content?["displayname"]?.stringValue,
                reason: content?["reason"]?.stringValue
            )))
        case "m.room.encrypted":
            return .event(.encrypted(eventID: eventID, sender: sender))
        case "m.room.encryption":
            return .event(.encryptionEnabled(eventID: eventID, sender: sender))
        case "m.room.name":
            return content?["name"]?.stringValue.map { .room(name: $0) } ?? .ignored
        default:
            return .ignored
        }
    }

    static func relation(_ json: MatrixJSON?) -> MessageRelation? {
        guard let json, json.objectValue != nil else { return nil }
        let replyTo = json["m.in_reply_to"]?["event_id"]?.stringValue
        let eventID = json["event_id"]?.stringValue
        switch json["rel_type"]?.stringValue {
        case "m.thread":
            guard let eventID else { return replyTo.map { .reply(to: $0) } }
            return .thread(root: eventID, inReplyTo: replyTo, isFallingBack: json["is_falling_back"]?.boolValue ?? false)
        case "m.replace":
            guard let eventID else { return nil }
            return .replacement(of: eventID)
        case .some(let relType):
            return .other(relType: relType, eventID: eventID)
        case nil:
            return replyTo.map { .reply(to: $0) }
        }
    }
}
