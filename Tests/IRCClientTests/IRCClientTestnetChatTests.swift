import Foundation
import IRC
import Testing
@testable import IRCClient
import TestnetSupport

/// Chat against the real testnet: what arrives as events, what the bot's replies look like to
/// another user, flood pacing, long replies, several networks at once. Part of the testnet
/// suite (one network start, tests one after another).
extension IRCClientTestnetTests {
    @Test func chatArrivesWithAccountTagAndRepliesReachThePeer() async throws {
        let net = try Testnet.require()
        let channel = "#" + uniqueName("chat")
        let nick = uniqueName("chatbot")
        let (client, log) = await started(configuration(net, nick: nick, channels: [.init(channel)]))
        _ = try await log.expect("joined") { $0 == .joined(channel: channel) }

        let peer = try await TestPeer.connect(to: net)
        let peerNick = uniqueName("talker")
        try await peer.register(nick: peerNick)
        try await peer.identify(account: net.userAccount, password: net.userPassword)
        await peer.send("JOIN \(channel)")
        _ = try await peer.expect("own JOIN") { $0.command == "JOIN" }
        await peer.send("PRIVMSG \(channel) :!help in the channel")
        await peer.send("PRIVMSG \(nick) :help in private")
        await peer.send("NOTICE \(nick) :a notice")

        let inChannel = try await log.expect("channel message") { if case .message = $0 { true } else { false } }
        guard case .message(let first) = inChannel else { return }
        #expect(first.kind == .privmsg && first.text == "!help in the channel")
        #expect(first.sender.nick == peerNick && first.account == net.userAccount)
        #expect(first.target == channel && first.channel == channel && first.replyTarget == channel)
        #expect(first.network == "testnet")

        let direct = try await log.expect("private message") { if case .message = $0 { true } else { false } }
        guard case .message(let second) = direct else { return }
        #expect(second.kind == .privmsg && second.text == "help in private" && second.isPrivate)
        #expect(second.target == nick && second.replyTarget == peerNick && second.account == net.userAccount)

        let notice = try await log.expect("notice") { if case .message = $0 { true } else { false } }
        guard case .message(let third) = notice else { return }
        #expect(third.kind == .notice && third.text == "a notice")

        // Replies: one queued to the channel, one sent (awaited) as a private NOTICE.
        try await client.enqueue(.privmsg, to: first.replyTarget, text: "\(peerNick): here is the help")
        try await client.send(.notice, to: second.replyTarget, text: "private help")
        let channelReply = try await peer.expect("channel reply") { $0.command == "PRIVMSG" && $0.source?.nick == nick }
        #expect(channelReply.params == [channel, "\(peerNick): here is the help"])
        let privateReply = try await peer.expect("private reply") { $0.command == "NOTICE" && $0.source?.nick == nick }
        #expect(privateReply.params == [peerNick, "private help"])

        // Not one IRC command can be smuggled in through the text or the target.
        try await client.send(privmsg: peerNick, text: "one\r\nQUIT :injected\0two")
        let split = try await peer.expect("first line") { $0.command == "PRIVMSG" && $0.source?.nick == nick }
        #expect(split.params.last == "one")
        let rest = try await peer.expect("second line") { $0.command == "PRIVMSG" && $0.source?.nick == nick }
        #expect(rest.params.last == "QUIT :injectedtwo")
        await #expect(throws: IRCClientError.invalidTarget("\(peerNick) x")) {
            try await client.enqueue(.privmsg, to: "\(peerNick) x", text: "hi")
        }
        #expect(await client.isRegistered)
        await client.shutdown()
        await peer.quit()
    }

    @Test(arguments: TestnetServer.allCases)
    func ctcpRequestsAreAnsweredByTheClient(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let nick = uniqueName("ctcp")
        let (client, log) = await started(configuration(net, nick: nick))
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        let peer = try await TestPeer.connect(to: net)
        let peerNick = uniqueName("asker")
        try await peer.register(nick: peerNick)

        func ask(_ request: String) async throws -> String {
            await peer.send("PRIVMSG \(nick) :\u{01}\(request)\u{01}")
            let reply = try await peer.expect("CTCP \(request) reply") { $0.command == "NOTICE" && $0.source?.nick == nick }
            return reply.params.last ?? ""
        }
        #expect(try await ask("VERSION") == "\u{01}VERSION mjbridge\u{01}")
        #expect(try await ask("PING 1234567") == "\u{01}PING 1234567\u{01}")
        let time = try await ask("TIME")
        #expect(time.hasPrefix("\u{01}TIME 20") && time.hasSuffix("Z\u{01}"), "TIME reply: \(time)")
        // The limiter allows 3 answers per 10 s; a fresh client answers CLIENTINFO in another test.
        #expect(!(await log.all).contains { if case .message = $0 { true } else { false } }, "CTCP is not chat")
        await client.shutdown()
        await peer.quit()
    }

    @Test(arguments: TestnetServer.allCases)
    func sixtyQueuedRepliesArriveInOrderWithoutFloodKill(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let nick = uniqueName("flood")
        let (client, log) = await started(configuration(net, nick: nick))
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        let peer = try await TestPeer.connect(to: net)
        let peerNick = uniqueName("reader")
        try await peer.register(nick: peerNick)

        // 60 lines of ~200 bytes: written back to back they would overflow the server's 8 KB
        // receive queue ("RecvQ exceeded"); the flood control must pace them.
        let filler = String(repeating: "lorem ipsum ", count: 15)
        for index in 1...60 {
            try await client.enqueue(.privmsg, to: peerNick, text: "reply \(index) of 60 \(filler)")
        }
        #expect(await client.queuedLineCount > 30, "all 60 are queued before most went out")
        for index in 1...60 {
            let line = try await peer.expect("reply \(index)", timeout: .seconds(120)) {
                $0.command == "PRIVMSG" && $0.source?.nick == nick
            }
            #expect(line.params.last == server.delivered("reply \(index) of 60 \(filler)"))
        }
        #expect(await client.isRegistered)
        #expect(!(await log.all).contains { if case .disconnected = $0 { true } else { false } })
        await client.shutdown()
        await peer.quit()
    }

    @Test(arguments: TestnetServer.allCases)
    func longMultibyteReplyArrivesCompleteAcrossLines(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let nick = uniqueName("long")
        let (client, log) = await started(configuration(net, nick: nick))
        _ = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        let peer = try await TestPeer.connect(to: net)
        let peerNick = uniqueName("longreader")
        try await peer.register(nick: peerNick)

        let words = ["Grüße", "日本語の文章", "🦊🎨", "naïve", "Ελληνικά", "👩‍👩‍👧‍👦", "https://example.com/a/very/long/path?x=1", "ok"]
        var text = ""
        var index = 0
        while text.count < 3000 {
            text += (text.isEmpty ? "" : " ") + words[index % words.count]
            index += 1
        }
        try await client.send(privmsg: peerNick, text: text)

        var pieces: [String] = []
        while server.reassembled(pieces).utf8.count < text.utf8.count {
            let line = try await peer.expect("more of the long reply", timeout: .seconds(60)) {
                $0.command == "PRIVMSG" && $0.source?.nick == nick
            }
            let part = line.params.last ?? ""
            #expect(!part.contains("\u{FFFD}"), "a line was cut inside a UTF-8 sequence")
            pieces.append(part)
        }
        // The splitter keeps each space at the end of the earlier piece: the pieces concatenate
        // back to exactly the text (on ngIRCd, which strips that space, joined with one).
        #expect(server.reassembled(pieces) == text)
        let lineCount = pieces.count
        let sizes = await peer.lines().filter { $0.contains(" PRIVMSG \(peerNick) ") }.map { $0.utf8.count + 2 }
        #expect(sizes.count == lineCount)
        for size in sizes { #expect(size <= 512, "a line as received is \(size) bytes") }
        // Budgeted with the real hostmask (from 001), not a worst case: lines come close to 512.
        #expect((sizes.max() ?? 0) >= 490, "longest line as received: \(sizes.max() ?? 0) bytes")
        await client.shutdown()
        await peer.quit()
    }

    @Test(arguments: TestnetServer.allCases)
    func twoNetworksInOneProcessAreIndependent(_ server: TestnetServer) async throws {
        let net = try Testnet.require(server)
        let channelA = "#" + uniqueName("neta")
        let channelB = "#" + uniqueName("netb")
        let nickA = uniqueName("bota")
        let nickB = uniqueName("botb")
        var configA = configuration(net, nick: nickA, channels: [.init(channelA)])
        configA.name = "alpha"
        // The second network over the plain-text port: TLS off only because it is set.
        var configB = configuration(net, nick: nickB, channels: [.init(channelB)])
        configB.name = "beta"
        configB.port = net.plainPort
        configB.tls = false
        let (clientA, logA) = await started(configA)
        let (clientB, logB) = await started(configB)
        _ = try await logA.expect("A joined") { $0 == .joined(channel: channelA) }
        _ = try await logB.expect("B joined") { $0 == .joined(channel: channelB) }
        let joinedA = (await clientA.isJoined(channelA), await clientA.isJoined(channelB))
        let joinedB = (await clientB.isJoined(channelB), await clientB.isJoined(channelA))
        #expect(joinedA == (true, false) && joinedB == (true, false))

        let peer = try await TestPeer.connect(to: net)
        let peerNick = uniqueName("both")
        try await peer.register(nick: peerNick)
        await peer.send("JOIN \(channelA),\(channelB)")
        await peer.send("PRIVMSG \(channelA) :for alpha")
        await peer.send("PRIVMSG \(channelB) :for beta")
        let messageA = try await logA.expect("A's message") { if case .message = $0 { true } else { false } }
        let messageB = try await logB.expect("B's message") { if case .message = $0 { true } else { false } }
        guard case .message(let a) = messageA, case .message(let b) = messageB else { return }
        #expect(a.network == "alpha" && a.channel == channelA && a.text == "for alpha")
        #expect(b.network == "beta" && b.channel == channelB && b.text == "for beta")

        // One network going away leaves the other untouched.
        await clientA.shutdown(quitMessage: "alpha leaves")
        let quit = try await peer.expect("A's QUIT") { $0.command == "QUIT" && $0.source?.nick == nickA }
        #expect(quit.params.last?.contains("alpha leaves") == true, "QUIT as seen: \(quit.params)")
        _ = try await logA.expect("A stopped") { $0 == .stopped }
        await peer.send("PRIVMSG \(nickB) :\u{01}CLIENTINFO\u{01}")
        let info = try await peer.expect("B answers CLIENTINFO") { $0.command == "NOTICE" && $0.source?.nick == nickB }
        #expect(info.params.last == "\u{01}CLIENTINFO ACTION CLIENTINFO PING TIME VERSION\u{01}")
        try await clientB.send(privmsg: channelB, text: "beta still here")
        _ = try await peer.expect("B still talks") { $0.command == "PRIVMSG" && $0.params == [channelB, "beta still here"] }
        #expect(await clientB.isRegistered)
        #expect(!(await logB.all).contains { if case .disconnected = $0 { true } else { false } })
        await clientB.shutdown()
        await peer.quit()
    }
}

/// Accounts on the real server when the client does not take `account-tag`: kept current by
/// extended-join and account-notify (a logout is seen), and looked up (WHOX on InspIRCd) by a
/// client that takes no capabilities at all.
extension IRCClientTestnetTests {
    @Test func accountsAreTrackedWithoutAccountTagAndLookedUpWithoutAnyCapability() async throws {
        let net = try Testnet.require()
        let channel = "#" + uniqueName("acct")
        var tracking = configuration(net, nick: uniqueName("acctbot"), channels: [.init(channel)])
        tracking.capabilities = ["extended-join", "account-notify"]
        let (client, log) = await started(tracking)
        var bare = configuration(net, nick: uniqueName("barebot"))
        bare.capabilities = []
        let (bareClient, bareLog) = await started(bare)
        let peer = try await TestPeer.connect(to: net)
        do {
            _ = try await log.expect("joined") { $0 == .joined(channel: channel) }
            let peerNick = uniqueName("who")
            try await peer.register(nick: peerNick)
            try await peer.identify(account: net.userAccount, password: net.userPassword)
            await peer.send("JOIN \(channel)")
            _ = try await peer.expect("own JOIN") { $0.command == "JOIN" }

            func next(_ log: EventLog, _ text: String) async throws -> IRCChatMessage {
                let event = try await log.expect(text) { if case .message(let m) = $0 { m.text == text } else { false } }
                guard case .message(let message) = event else { throw TestnetError("not a message") }
                return message
            }
            await peer.send("PRIVMSG \(channel) :one")
            let one = try await next(log, "one")
            #expect(one.account == net.userAccount && one.accountVerified && one.tags["account"] == nil, "\(one)")

            await peer.send("PRIVMSG NickServ :LOGOUT")
            _ = try await peer.expect("901 logged out") { $0.command == "901" }
            await peer.send("PRIVMSG \(channel) :two")
            let two = try await next(log, "two")
            #expect(two.account == nil && two.accountVerified, "account-notify told us: \(two)")

            // Without any capability nothing is trusted; the server is asked instead.
            let bareNick = try await bareLog.expect("bare registered") { if case .registered = $0 { true } else { false } }
            guard case .registered(let bareName) = bareNick else { return }
            try await peer.identify(account: net.userAccount, password: net.userPassword)
            await peer.send("PRIVMSG \(bareName) :three")
            let three = try await next(bareLog, "three")
            #expect(three.account == nil && !three.accountVerified, "\(three)")
            #expect(await bareClient.lookUpAccount(peerNick) == .loggedIn(net.userAccount))
            await peer.send("PRIVMSG NickServ :LOGOUT")
            _ = try await peer.expect("901 logged out") { $0.command == "901" }
            #expect(await bareClient.lookUpAccount(peerNick) == .loggedOut)
            #expect(await bareClient.lookUpAccount(uniqueName("nobody")) == nil)
        } catch {
            await peer.quit()
            await client.shutdown()
            await bareClient.shutdown()
            throw error
        }
        await peer.quit()
        await client.shutdown()
        await bareClient.shutdown()
    }
}
