import Foundation
import Testing
@testable import Matrix

@Suite struct SyncParserTests {
    let bot = "@mjbot:mjbridge.test"
    let alice = "@alice:mjbridge.test"
    let room = "!LSkw4HDeH-H_5YYkZsUAYeYVz5Ar2AfpwEvfv4l0DMc"
    let command = "$dIhPR75NILrxy2MWu8d3kbhUCQ9AGgTtsBbpsxSvUeA"

    @Test func anInviteNamesItsInviter() throws {
        let batch = try SyncParser.parse(Data(SyncFixtures.invite.utf8), ownUserID: bot)
        #expect(batch.nextBatch == "s9_1_0_1_1_1_1_4_0_1_1_1_1_1")
        #expect(batch.invites == [RoomInvite(roomID: room, inviter: alice, roomName: nil, isEncrypted: false, isDirect: false)])
        #expect(batch.joinedRooms.isEmpty)
        #expect(batch.leftRooms.isEmpty)
    }

    @Test func anotherUsersMembershipInTheInviteStateIsNotTheInviter() throws {
        // The stripped state also holds alice's own join (sender alice, state_key alice); only
        // the event whose state_key is the bot names the inviter.
        let json = SyncFixtures.invite.replacing(#/"sender": "@alice:mjbridge.test",(\s+)"state_key": "@alice/#) { match in
            "\"sender\": \"@mallory:evil.test\",\(match.1)\"state_key\": \"@alice"
        }
        #expect(json != SyncFixtures.invite)
        let batch = try SyncParser.parse(Data(json.utf8), ownUserID: bot)
        #expect(batch.invites.first?.inviter == alice)
    }

    @Test func theTimelineAfterAJoinInOrder() throws {
        let batch = try SyncParser.parse(Data(SyncFixtures.joined.utf8), ownUserID: bot)
        #expect(batch.nextBatch == "s15_1_0_1_1_1_1_4_0_1_1_1_1_1")
        #expect(batch.skippedEvents == 0)
        let update = try #require(batch.joinedRooms.first)
        #expect(batch.joinedRooms.count == 1)
        #expect(update.roomID == room)
        #expect(update.limited)
        #expect(update.prevBatch == "s9_1_0_1_1_1_1_4_0_1_1_1_1_1")
        #expect(update.name == "Fox room")
        #expect(!update.isEncrypted)

        #expect(update.membershipChanges.map(\.membership) == ["join", "invite", "join"])
        let botJoin = update.membershipChanges[2]
        #expect(botJoin.userID == bot && botJoin.sender == bot && botJoin.previousMembership == "invite" && !botJoin.isKick)
        #expect(update.membershipChanges[1].sender == alice && update.membershipChanges[1].userID == bot)

        let messages = update.messages
        #expect(messages.map(\.body) == ["hi", "!imagine a red fox", "!u2 in thread", "a reply", "* edited"])
        // History from before the bot's join is marked so (no backlog replay).
        #expect(messages.map(\.viewerMembership) == ["leave", "join", "join", "join", "join"])

        let fox = messages[1]
        #expect(fox == RoomMessage(roomID: room, eventID: command, sender: alice, originServerTS: 1_796_036_772_887,
                                   msgtype: "m.text", body: "!imagine a red fox", relation: nil, viewerMembership: "join"))
        #expect(messages[2].relation == .thread(root: command, inReplyTo: command, isFallingBack: true))
        #expect(messages[2].threadRoot == command)
        #expect(messages[3].relation == .reply(to: command))
        #expect(messages[3].threadRoot == nil)
        #expect(messages[4].relation == .replacement(of: command))
        #expect(messages[4].isEdit && !messages[3].isEdit)
    }

    @Test func aMalformedEventIsSkippedAndCountedTheRestIsRead() throws {
        let json: MatrixJSON = [
            "next_batch": "s2",
            "rooms": ["join": ["!r": ["timeline": ["events": [
                ["type": "m.room.message", "event_id": "$1", "sender": "@a:x", "content": ["msgtype": "m.text", "body": 42]],
                ["type": "m.room.message", "sender": "@a:x", "content": ["msgtype": "m.text", "body": "no id"]],
                ["type": "m.room.message", "event_id": "$3", "sender": "@a:x", "content": "not an object"],
                ["type": "m.room.message", "event_id": "$4", "sender": "@a:x", "content": [:]],  // redacted
                ["type": "m.room.member", "event_id": "$5", "sender": "@a:x", "content": ["membership": "join"]],  // no state_key
                ["type": "m.reaction", "event_id": "$6", "sender": "@a:x", "content": [:]],
                ["type": "m.room.message", "event_id": "$7", "sender": "@a:x", "origin_server_ts": 5,
                 "content": ["msgtype": "m.text", "body": "!ok", "m.relates_to": "garbage"]],
            ]]]]],
        ]
        let batch = try SyncParser.parse(json, ownUserID: "@bot:x")
        #expect(batch.skippedEvents == 4)
        #expect(batch.messages == [RoomMessage(roomID: "!r", eventID: "$7", sender: "@a:x", originServerTS: 5, msgtype: "m.text", body: "!ok")])
    }

    @Test func encryptionInvitesOfEncryptedRoomsAndLeftRooms() throws {
        let json: MatrixJSON = [
            "next_batch": "s3",
            "rooms": [
                "join": [
                    "!b": ["timeline": ["events": [["type": "m.room.encrypted", "event_id": "$e", "sender": "@a:x", "content": ["algorithm": "m.megolm.v1.aes-sha2"]]]]],
                    "!a": ["state": ["events": [["type": "m.room.encryption", "state_key": "", "event_id": "$s", "sender": "@a:x", "content": ["algorithm": "m.megolm.v1.aes-sha2"]]]]],
                    "!c": ["timeline": ["events": [["type": "m.room.member", "event_id": "$k", "sender": "@op:x", "state_key": "@v:x",
                                                    "content": ["membership": "leave", "reason": "spam"]]]]],
                ],
                "invite": ["!d": ["invite_state": ["events": [
                    ["type": "m.room.encryption", "state_key": "", "sender": "@a:x", "content": ["algorithm": "m.megolm.v1.aes-sha2"]],
                    ["type": "m.room.name", "state_key": "", "sender": "@a:x", "content": ["name": "Secret"]],
                    ["type": "m.room.member", "state_key": "@bot:x", "sender": "@a:x", "content": ["membership": "invite", "is_direct": true]],
                ]]]],
                "leave": ["!z": [:], "!y": [:]],
            ],
        ]
        let batch = try SyncParser.parse(json, ownUserID: "@bot:x")
        #expect(batch.joinedRooms.map(\.roomID) == ["!a", "!b", "!c"])
        #expect(batch.joinedRooms.map(\.isEncrypted) == [true, true, false])
        #expect(batch.joinedRooms[1].timeline == [.encrypted(eventID: "$e", sender: "@a:x")])
        let kick = try #require(batch.joinedRooms[2].membershipChanges.first)
        #expect(kick.isKick && kick.reason == "spam")
        #expect(batch.invites == [RoomInvite(roomID: "!d", inviter: "@a:x", roomName: "Secret", isEncrypted: true, isDirect: true)])
        #expect(batch.leftRooms == ["!y", "!z"])
    }

    @Test func anAnswerWithoutNextBatchIsAnError() {
        #expect(throws: SyncParser.Failure.self) { try SyncParser.parse(Data(#"{"rooms": {}}"#.utf8), ownUserID: "@b:x") }
        #expect(throws: SyncParser.Failure.self) { try SyncParser.parse(Data("<html>502</html>".utf8), ownUserID: "@b:x") }
        #expect(throws: SyncParser.Failure.self) { try SyncParser.parse(Data(#"{"next_batch": ""}"#.utf8), ownUserID: "@b:x") }
    }

    @Test func relations() {
        #expect(SyncParser.relation(["rel_type": "m.thread", "event_id": "$r", "is_falling_back": false, "m.in_reply_to": ["event_id": "$p"]])
                == .thread(root: "$r", inReplyTo: "$p", isFallingBack: false))
        #expect(SyncParser.relation(["rel_type": "m.thread", "event_id": "$r"]) == .thread(root: "$r", inReplyTo: nil, isFallingBack: false))
        #expect(SyncParser.relation(["rel_type": "m.annotation", "event_id": "$r", "key": "👍"]) == .other(relType: "m.annotation", eventID: "$r"))
        #expect(SyncParser.relation(["m.in_reply_to": ["event_id": 7]]) == nil)
        #expect(SyncParser.relation(nil) == nil)
    }
}
