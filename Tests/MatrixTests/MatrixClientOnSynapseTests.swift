import Foundation
import Matrix
import MatrixTestSupport
import Testing

/// `MatrixClient` against a real Synapse (Scripts/matrix-testnet, high rate limits).
@Suite(.enabled(if: !Synapse.skipRequested, Synapse.skipReason), .timeLimit(.minutes(5)), .synapse)
struct MatrixClientOnSynapseTests {
    @Test func aMessageIsSyncedOnceAndTheNextSyncFromItsTokenDoesNotRepeatIt() async throws {
        let synapse = try Synapse.require()
        let alice = SynapseSteps.client(synapse, synapse.user)
        let bot = SynapseSteps.client(synapse, synapse.bot)
        let roomID = try await SynapseSteps.room(alice, with: bot, memberID: synapse.bot.userID)
        // The first start: one sync to skip the backlog, its token is where the bot begins.
        let start = try await bot.sync(since: nil, timeout: .zero, ownUserID: synapse.bot.userID)

        let eventID = try await alice.send(roomID: roomID, transactionID: "t-\(UUID())",
                                           content: ["msgtype": "m.text", "body": "!imagine a red fox <b>"])
        let batch = try await SynapseSteps.syncUntil(bot, ownUserID: synapse.bot.userID, since: start.nextBatch) { batch in
            batch.messages.contains { $0.eventID == eventID }
        }
        let message = try #require(batch.messages.first { $0.eventID == eventID })
        #expect(message.roomID == roomID)
        #expect(message.sender == synapse.user.userID)
        #expect(message.body == "!imagine a red fox <b>")
        #expect(message.msgtype == "m.text")
        #expect(message.viewerMembership == "join")
        #expect(message.originServerTS > 0)

        // From the token of that batch: the message is not delivered again.
        let next = try await bot.sync(since: batch.nextBatch, timeout: .seconds(1), ownUserID: synapse.bot.userID)
        #expect(!next.messages.contains { $0.eventID == eventID })
        #expect(!next.nextBatch.isEmpty)
        // ...while a sync from the older token still is (the token really is the cursor).
        let again = try await bot.sync(since: start.nextBatch, timeout: .zero, ownUserID: synapse.bot.userID)
        #expect(again.messages.contains { $0.eventID == eventID })
    }

    @Test func theSameTransactionIDTwiceMakesOneEvent() async throws {
        let synapse = try Synapse.require()
        let alice = SynapseSteps.client(synapse, synapse.user)
        let bot = SynapseSteps.client(synapse, synapse.bot)
        let roomID = try await SynapseSteps.room(alice, with: bot, memberID: synapse.bot.userID)
        let command = try await alice.send(roomID: roomID, transactionID: "t-\(UUID())", content: ["msgtype": "m.text", "body": "!imagine fox"])

        let text = "Job 1748 done: https://img.test/fox.png"
        let txnID = TransactionID.forOutboxLine(id: 1, target: roomID, text: text)
        let content = MessageContent.notice(text, replyTo: .init(eventID: command), mentions: [synapse.user.userID])
        let first = try await bot.send(roomID: roomID, transactionID: txnID, content: content)
        // The resend after a "crash": same line, same id.
        let second = try await bot.send(roomID: roomID, transactionID: txnID, content: content)
        #expect(first == second)
        // A second client with the same token and device (a restarted process) is recognised too.
        let restarted = SynapseSteps.client(synapse, synapse.bot)
        let third = try await restarted.send(roomID: roomID, transactionID: txnID, content: content)
        #expect(third == first)

        var fromBot = try await SynapseSteps.messageEvents(alice, roomID: roomID).filter { $0["sender"]?.stringValue == synapse.bot.userID }
        #expect(fromBot.count == 1)
        #expect(fromBot.first?["event_id"]?.stringValue == first)
        #expect(fromBot.first?["content"]?["m.relates_to"] == ["m.in_reply_to": ["event_id": .string(command)]])
        #expect(fromBot.first?["content"]?["formatted_body"] == #"Job 1748 done: <a href="https://img.test/fox.png">https://img.test/fox.png</a>"#)

        // Another line (another id) is another event: the count above can tell one from two.
        let other = try await bot.send(roomID: roomID, transactionID: TransactionID.forOutboxLine(id: 2, target: roomID, text: text),
                                       content: content)
        #expect(other != first)
        fromBot = try await SynapseSteps.messageEvents(alice, roomID: roomID).filter { $0["sender"]?.stringValue == synapse.bot.userID }
        #expect(fromBot.count == 2)
    }

    @Test func anUploadedImageDownloadsWithTheSameBytesThroughAuthenticatedMedia() async throws {
        let synapse = try Synapse.require()
        let alice = SynapseSteps.client(synapse, synapse.user)
        let bot = SynapseSteps.client(synapse, synapse.bot)
        let roomID = try await SynapseSteps.room(alice, with: bot, memberID: synapse.bot.userID)
        let bytes = SynapseSteps.png()

        let uri = try await bot.upload(bytes, contentType: "image/png", filename: "fox.png")
        #expect(uri.serverName == synapse.serverName)
        let content = MessageContent.image(uri, filename: "fox.png", mimetype: "image/png", size: bytes.count, width: 2, height: 1)
        let eventID = try await bot.send(roomID: roomID, transactionID: TransactionID.forOutboxLine(id: 7, target: roomID, text: "fox", part: 0),
                                         content: content)

        // Alice sees the m.image and downloads its content with her own token.
        let image = try #require(try await SynapseSteps.messageEvents(alice, roomID: roomID).first { $0["event_id"]?.stringValue == eventID })
        #expect(image["content"]?["msgtype"] == "m.image")
        #expect(image["content"]?["info"] == ["mimetype": "image/png", "size": .int(Int64(bytes.count)), "w": 2, "h": 1])
        let url = try #require(image["content"]?["url"]?.stringValue.flatMap(MediaURI.init))
        let downloaded = try await alice.download(url)
        #expect(downloaded.data == bytes)
        #expect(downloaded.contentType?.hasPrefix("image/png") == true)

        // Without a token the authenticated endpoint refuses (the old unauthenticated one is
        // not what clients use any more; see Scripts/matrix-testnet/README.md).
        var anonymous = MatrixRequest.download(url)
        anonymous.requiresAuthentication = false
        await #expect {
            try await alice.perform(anonymous)
        } throws: { error in
            guard case .server(let response) = error as? MatrixClientError else { return false }
            return response.status == 401 && response.isTokenRejected
        }
    }

    @Test func anInvalidTokenIsRecognisedAndNeverShown() async throws {
        let synapse = try Synapse.require()
        let token = "syt_bm90YXVzZXI_invalidtoken_0123456789"
        let client = MatrixClient(homeserver: synapse.url, accessToken: token)
        for call in [0, 1] {
            do {
                if call == 0 {
                    _ = try await client.whoAmI()
                } else {
                    _ = try await client.sync(since: nil, timeout: .zero, ownUserID: "@nobody:\(synapse.serverName)")
                }
                Issue.record("an invalid token was accepted")
            } catch {
                guard case .server(let response) = error else { Issue.record("not a server error: \(error)"); continue }
                #expect(response.errcode == "M_UNKNOWN_TOKEN")
                #expect(response.status == 401)
                #expect(MatrixRetryPolicy().decision(for: error, attempt: 1, jitter: 0.5) == .stop(.tokenRejected(softLogout: false)))
                #expect(!error.description.contains(token))
            }
        }
    }

    @Test func passwordLoginKeepsTheDeviceWhenGivenIt() async throws {
        let synapse = try Synapse.require()
        let client = MatrixClient(homeserver: synapse.url, accessToken: nil)
        let session = try await client.login(user: "mjowner", password: synapse.owner.password)
        #expect(session.userID == synapse.owner.userID)
        #expect(session.accessToken != synapse.owner.accessToken)
        let identity = try await client.whoAmI()
        #expect(identity == AccountIdentity(userID: synapse.owner.userID, deviceID: session.deviceID))

        let again = try await client.login(user: "mjowner", password: synapse.owner.password, deviceID: session.deviceID)
        #expect(again.deviceID == session.deviceID)
        #expect(again.accessToken != session.accessToken)

        await #expect {
            _ = try await MatrixClient(homeserver: synapse.url, accessToken: nil).login(user: "mjowner", password: "wrong")
        } throws: { error in
            guard case .server(let response) = error as? MatrixClientError else { return false }
            return response.isForbidden && !"\(error)".contains("wrong")
        }
    }

    @Test func anInviteAndAThreadReplyAsTheBotSeesThem() async throws {
        let synapse = try Synapse.require()
        let owner = SynapseSteps.client(synapse, synapse.owner)
        let bot = SynapseSteps.client(synapse, synapse.bot)
        let start = try await bot.sync(since: nil, timeout: .zero, ownUserID: synapse.bot.userID)
        let roomID = try await owner.createRoom(["preset": "private_chat", "name": "Fox den", "invite": [.string(synapse.bot.userID)]])
        let invited = try await SynapseSteps.syncUntil(bot, ownUserID: synapse.bot.userID, since: start.nextBatch) { batch in
            batch.invites.contains { $0.roomID == roomID }
        }
        #expect(invited.invites.first { $0.roomID == roomID } == RoomInvite(roomID: roomID, inviter: synapse.owner.userID, roomName: "Fox den"))
        try await bot.join(roomID)

        let root = try await owner.send(roomID: roomID, transactionID: "t-\(UUID())", content: ["msgtype": "m.text", "body": "fox thread"])
        let inThread = try await owner.send(roomID: roomID, transactionID: "t-\(UUID())", content: [
            "msgtype": "m.text", "body": "!u2",
            "m.relates_to": ["rel_type": "m.thread", "event_id": .string(root), "is_falling_back": true, "m.in_reply_to": ["event_id": .string(root)]],
        ])
        let batch = try await SynapseSteps.syncUntil(bot, ownUserID: synapse.bot.userID, since: invited.nextBatch) { batch in
            batch.messages.contains { $0.eventID == inThread }
        }
        let command = try #require(batch.messages.first { $0.eventID == inThread })
        #expect(command.threadRoot == root)
        let reply = try await bot.send(roomID: roomID, transactionID: "t-\(UUID())",
                                       content: MessageContent.notice("ok", replyTo: .init(answering: command), mentions: [command.sender]))
        let stored = try #require(try await SynapseSteps.messageEvents(owner, roomID: roomID).first { $0["event_id"]?.stringValue == reply })
        #expect(stored["content"]?["m.relates_to"]?["rel_type"] == "m.thread")
        #expect(stored["content"]?["m.relates_to"]?["event_id"] == .string(root))
    }

    @Test func aLongPollReturnsWhenAMessageArrives() async throws {
        let synapse = try Synapse.require()
        let alice = SynapseSteps.client(synapse, synapse.user)
        let bot = SynapseSteps.client(synapse, synapse.bot)
        let roomID = try await SynapseSteps.room(alice, with: bot, memberID: synapse.bot.userID)
        var since = try await bot.sync(since: nil, timeout: .zero, ownUserID: synapse.bot.userID).nextBatch
        // The server holds the poll (up to 20 s) until something arrives; the HTTP deadline is
        // the poll time plus a margin, so the client does not cut the poll short.
        let pollFrom = since
        let poll = Task { try await bot.sync(since: pollFrom, timeout: .seconds(20), ownUserID: synapse.bot.userID) }
        try await Task.sleep(for: .milliseconds(300))
        let eventID = try await alice.send(roomID: roomID, transactionID: "t-\(UUID())", content: ["msgtype": "m.text", "body": "!describe"])
        var batch = try await poll.value
        // Another suite's or test's room may have woken the poll first: go on polling (bounded).
        for _ in 0..<10 where !batch.messages.contains(where: { $0.eventID == eventID }) {
            since = batch.nextBatch
            batch = try await bot.sync(since: since, timeout: .seconds(5), ownUserID: synapse.bot.userID)
        }
        #expect(batch.messages.contains { $0.eventID == eventID })
    }

    @Test func anEncryptedRoomIsRecognisedInItsInviteAndItsTimeline() async throws {
        let synapse = try Synapse.require()
        let owner = SynapseSteps.client(synapse, synapse.owner)
        let bot = SynapseSteps.client(synapse, synapse.bot)
        let start = try await bot.sync(since: nil, timeout: .zero, ownUserID: synapse.bot.userID)
        let roomID = try await owner.createRoom([
            "preset": "private_chat", "invite": [.string(synapse.bot.userID)],
            "initial_state": [["type": "m.room.encryption", "state_key": "", "content": ["algorithm": "m.megolm.v1.aes-sha2"]]],
        ])
        let invited = try await SynapseSteps.syncUntil(bot, ownUserID: synapse.bot.userID, since: start.nextBatch) { batch in
            batch.invites.contains { $0.roomID == roomID }
        }
        #expect(invited.invites.first { $0.roomID == roomID }?.isEncrypted == true)
        try await bot.join(roomID)
        // What a client without E2EE sees of an encrypted message: an m.room.encrypted event.
        let ciphertext = try await owner.send(roomID: roomID, eventType: "m.room.encrypted", transactionID: "t-\(UUID())", content: [
            "algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEnAC", "device_id": "X", "sender_key": "k", "session_id": "s",
        ])
        let batch = try await SynapseSteps.syncUntil(bot, ownUserID: synapse.bot.userID, since: invited.nextBatch) { batch in
            batch.joinedRooms.contains { $0.roomID == roomID && $0.timeline.contains(.encrypted(eventID: ciphertext, sender: synapse.owner.userID)) }
        }
        let room = try #require(batch.joinedRooms.first { $0.roomID == roomID })
        #expect(room.isEncrypted)
        #expect(room.messages.isEmpty)
    }

    @Test func aKickShowsAsALeftRoom() async throws {
        let synapse = try Synapse.require()
        let owner = SynapseSteps.client(synapse, synapse.owner)
        let bot = SynapseSteps.client(synapse, synapse.bot)
        let roomID = try await SynapseSteps.room(owner, with: bot, memberID: synapse.bot.userID)
        let start = try await bot.sync(since: nil, timeout: .zero, ownUserID: synapse.bot.userID)
        let kick = MatrixRequest(method: .post, path: "/_matrix/client/v3/rooms/\(MatrixRequest.encode(roomID))/kick",
                                 body: MatrixJSON.object(["user_id": .string(synapse.bot.userID), "reason": "test"]).encoded(),
                                 contentType: "application/json")
        _ = try await owner.perform(kick)
        let batch = try await SynapseSteps.syncUntil(bot, ownUserID: synapse.bot.userID, since: start.nextBatch) { batch in
            batch.leftRooms.contains(roomID)
        }
        #expect(!batch.joinedRooms.contains { $0.roomID == roomID })
        // Sending there now is refused with M_FORBIDDEN: for a send, the policy stops that line.
        do {
            _ = try await bot.send(roomID: roomID, transactionID: "t-\(UUID())", content: MessageContent.notice("still here?"))
            Issue.record("a kicked bot could send")
        } catch {
            #expect(MatrixRetryPolicy().decision(for: error, attempt: 1, jitter: 0) == .stop(.forbidden(error.serverMessage)))
        }
    }
}

extension MatrixClientError {
    var serverMessage: String {
        if case .server(let response) = self { return response.message }
        return ""
    }
}
