import Testing
@testable import Matrix

@Suite struct ChatHTMLTests {
    @Test func markupInChatTextIsEscaped() {
        #expect(ChatHTML.render(#"a <b> & "c" 'd'"#) == "a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;")
        #expect(ChatHTML.render("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;")
        #expect(ChatHTML.render("&amp;") == "&amp;amp;")
    }

    @Test func linksBecomeAnchorsWithEscapedAttributes() {
        #expect(ChatHTML.render("see https://x.test/a?b=1&c=2.")
                == #"see <a href="https://x.test/a?b=1&amp;c=2">https://x.test/a?b=1&amp;c=2</a>."#)
        #expect(ChatHTML.render("HTTP://X.TEST/Fox") == #"<a href="HTTP://X.TEST/Fox">HTTP://X.TEST/Fox</a>"#)
        #expect(ChatHTML.render("fox https://x.test/ü!") == #"fox <a href="https://x.test/ü">https://x.test/ü</a>!"#)
    }

    @Test func aQuoteEndsTheLinkSoNoAttributeCanBeInjected() {
        #expect(ChatHTML.render(#"https://x.test/"onmouseover="alert(1)"#)
                == #"<a href="https://x.test/">https://x.test/</a>&quot;onmouseover=&quot;alert(1)"#)
        #expect(ChatHTML.render(#"<a href="https://evil.test">x</a>"#)
                == #"&lt;a href=&quot;<a href="https://evil.test">https://evil.test</a>&quot;&gt;x&lt;/a&gt;"#)
        #expect(ChatHTML.render("https://x.test/'x") == #"<a href="https://x.test/&#39;x">https://x.test/&#39;x</a>"#)
    }

    @Test func onlyHTTPLinksAndOnlyAtAWordStart() {
        #expect(ChatHTML.render("javascript:alert(1)") == "javascript:alert(1)")
        #expect(ChatHTML.render("data:text/html,<b>") == "data:text/html,&lt;b&gt;")
        #expect(ChatHTML.render("xhttp://a.test") == "xhttp://a.test")
        #expect(ChatHTML.render("https:// and http://.") == "https:// and http://.")
    }

    @Test func parenthesesAroundALinkStayOutsideThoseInsideStayIn() {
        #expect(ChatHTML.render("(https://x.test/wiki/Fox_(animal)) ok")
                == #"(<a href="https://x.test/wiki/Fox_(animal)">https://x.test/wiki/Fox_(animal)</a>) ok"#)
        #expect(ChatHTML.render("(see https://x.test/a)") == #"(see <a href="https://x.test/a">https://x.test/a</a>)"#)
    }

    @Test func lineBreaksAndControls() {
        #expect(ChatHTML.render("a\nb\r\nc\rd") == "a<br>b<br>c<br>d")
        #expect(ChatHTML.clean("a\u{0}b\u{1B}[31mc\u{7F}\td\u{7}") == "ab[31mc\td")
        #expect(ChatHTML.render("https://x.test/a\u{0}b") == #"<a href="https://x.test/ab">https://x.test/ab</a>"#)
    }

    @Test func twoLinksAndTextBetween() {
        #expect(ChatHTML.segments(of: "U1 https://a.test/1 U2 https://a.test/2")
                == [.text("U1 "), .link("https://a.test/1"), .text(" U2 "), .link("https://a.test/2")])
    }
}

@Suite struct MessageContentTests {
    @Test func aReplyInAThreadStaysInTheThread() {
        let content = MessageContent.notice("done https://x.test <3", replyTo: .init(eventID: "$c", threadRoot: "$r"),
                                            mentions: ["@a:x", "@a:x"])
        #expect(content == [
            "msgtype": "m.notice",
            "body": "done https://x.test <3",
            "format": "org.matrix.custom.html",
            "formatted_body": #"done <a href="https://x.test">https://x.test</a> &lt;3"#,
            "m.mentions": ["user_ids": ["@a:x"]],
            "m.relates_to": ["rel_type": "m.thread", "event_id": "$r", "is_falling_back": false, "m.in_reply_to": ["event_id": "$c"]],
        ])
    }

    @Test func aReplyOutsideThreads() {
        let message = RoomMessage(roomID: "!r", eventID: "$c", sender: "@a:x", originServerTS: 1, msgtype: "m.text", body: "!imagine fox",
                                  relation: .reply(to: "$older"))
        let content = MessageContent.notice("ok", replyTo: .init(answering: message), mentions: ["@a:x"])
        #expect(content["m.relates_to"] == ["m.in_reply_to": ["event_id": "$c"]])
        #expect(content["m.mentions"] == ["user_ids": ["@a:x"]])
    }

    @Test func answeringAThreadMessageUsesItsRoot() {
        let message = RoomMessage(roomID: "!r", eventID: "$c", sender: "@a:x", originServerTS: 1, msgtype: "m.text", body: "!u2",
                                  relation: .thread(root: "$root", inReplyTo: "$root", isFallingBack: true))
        #expect(MessageContent.ReplyTarget(answering: message) == .init(eventID: "$c", threadRoot: "$root"))
    }

    @Test func atRoomInTheTextPingsNobody() {
        let content = MessageContent.notice("@room wake up\u{7}")
        #expect(content["m.mentions"] == ["user_ids": []])
        #expect(content["m.mentions"]?["room"] == nil)
        #expect(content["body"] == "@room wake up")
        #expect(content["m.relates_to"] == nil)
    }

    @Test func anImageWithInfo() throws {
        let uri = try #require(MediaURI("mxc://mjbridge.test/AbC_-1"))
        let content = MessageContent.image(uri, filename: "fox.png", mimetype: "image/png", size: 1234, width: 1024, height: 768,
                                           replyTo: .init(eventID: "$c"))
        #expect(content == [
            "msgtype": "m.image",
            "body": "fox.png",
            "url": "mxc://mjbridge.test/AbC_-1",
            "info": ["mimetype": "image/png", "size": 1234, "w": 1024, "h": 768],
            "m.mentions": ["user_ids": []],
            "m.relates_to": ["m.in_reply_to": ["event_id": "$c"]],
        ])
    }

    @Test func mediaURIs() {
        #expect(MediaURI("mxc://mjbridge.test/AbC_-1") == MediaURI(serverName: "mjbridge.test", mediaID: "AbC_-1"))
        #expect(MediaURI("mxc://x/a/b") == nil)
        #expect(MediaURI("mxc://x/..") == nil)
        #expect(MediaURI("mxc:///a") == nil)
        #expect(MediaURI("mxc://x/") == nil)
        #expect(MediaURI("https://x/a") == nil)
        #expect(MediaURI("mxc://x?y/a") == nil)
    }
}
