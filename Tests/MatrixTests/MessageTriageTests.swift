import Foundation
import Testing
@testable import Matrix

@Suite struct MessageTriageTests {
    let bot = "@mjbot:mjbridge.test"

    func message(_ body: String = "!imagine fox", sender: String = "@alice:x", msgtype: String = "m.text",
                 relation: MessageRelation? = nil, viewer: String? = "join") -> RoomMessage {
        RoomMessage(roomID: "!r", eventID: "$e", sender: sender, originServerTS: 1, msgtype: msgtype, body: body,
                    relation: relation, viewerMembership: viewer)
    }

    @Test func aTextFromSomeoneElseWhileJoinedIsConsidered() {
        #expect(MessageTriage.verdict(for: message(), ownUserID: bot, roomIsEncrypted: false) == .consider)
        #expect(MessageTriage.verdict(for: message(relation: .thread(root: "$r", inReplyTo: nil, isFallingBack: true)),
                                      ownUserID: bot, roomIsEncrypted: false) == .consider)
        #expect(MessageTriage.verdict(for: message(viewer: nil), ownUserID: bot, roomIsEncrypted: false) == .consider)
    }

    @Test func theOthersAreIgnoredWithTheirReason() {
        func verdict(_ m: RoomMessage, encrypted: Bool = false) -> MessageTriage.Verdict {
            MessageTriage.verdict(for: m, ownUserID: bot, roomIsEncrypted: encrypted)
        }
        #expect(verdict(message(sender: bot)) == .ignore(.ownMessage))
        #expect(verdict(message(msgtype: "m.notice")) == .ignore(.notice))
        #expect(verdict(message("* !imagine fox", relation: .replacement(of: "$old"))) == .ignore(.edit))
        #expect(verdict(message(viewer: "leave")) == .ignore(.beforeJoin))
        #expect(verdict(message(viewer: "invite")) == .ignore(.beforeJoin))
        #expect(verdict(message(msgtype: "m.emote")) == .ignore(.notText))
        #expect(verdict(message(), encrypted: true) == .ignore(.encryptedRoom))
    }

    @Test func theRecordedSyncAfterAJoin() throws {
        // The real Synapse answer: of five messages, the pre-join "hi" and the edit are not
        // commands; the command, the thread command and the reply are looked at.
        let batch = try SyncParser.parse(Data(SyncFixtures.joined.utf8), ownUserID: bot)
        let considered = batch.messages.filter {
            MessageTriage.verdict(for: $0, ownUserID: bot, roomIsEncrypted: false) == .consider
        }
        #expect(considered.map(\.body) == ["!imagine a red fox", "!u2 in thread", "a reply"])
        #expect(batch.joinedRooms.first?.displayNames == ["@alice:mjbridge.test": "alice", "@mjbot:mjbridge.test": "mjbot"])
    }
}
