import Foundation
import Store
import Testing
@testable import Bridge

@Suite struct SignedRouteStateTests {
    let key = RouteStateKey(callbackSecret: "0123456789abcdef0123456789abcdef")
    let route = TaskRoute(network: "libera chat", channel: "#art", nick: "alice", account: "Alice")

    func valid(_ state: String?) -> SignedRouteState? {
        if case .valid(let signed) = SignedRouteState.verify(state, with: key) { return signed }
        return nil
    }

    @Test func roundTripsEveryShape() throws {
        let shapes = [
            SignedRouteState(route: route),
            SignedRouteState(route: route, intent: "intent-42"),
            SignedRouteState(route: TaskRoute(network: "net", channel: nil, nick: "bob[away]")),
            SignedRouteState(route: TaskRoute(network: "net 100%", channel: "#a b", nick: "-", account: "-")),
        ]
        for shape in shapes {
            let state = try #require(shape.encoded(with: key))
            #expect(state.hasPrefix("mjb2 "), "\(state)")
            #expect(valid(state) == shape, "\(state)")
        }
        let state = try #require(SignedRouteState(route: route).encoded(with: key))
        #expect(state.hasPrefix("mjb2 libera%20chat #art alice Alice - "))
        // 128-bit MAC, base64url without padding.
        #expect(state.split(separator: " ").last?.count == 22)
    }

    @Test func theKeyIsDerivedAndStable() throws {
        let state = try #require(SignedRouteState(route: route).encoded(with: key))
        #expect(state == SignedRouteState(route: route).encoded(with: RouteStateKey(callbackSecret: "0123456789abcdef0123456789abcdef")))
        #expect(!state.contains("0123456789abcdef"))
        #expect(SignedRouteState.verify(state, with: RouteStateKey(callbackSecret: "another secret")) == .untrusted)
    }

    @Test func changingAnySingleCharacterBreaksIt() throws {
        let state = try #require(SignedRouteState(route: route, intent: "i1").encoded(with: key))
        let scalars = Array(state.unicodeScalars)
        for index in scalars.indices {
            for replacement in ["x", "A", "-", "_", "0", " ", "%"] as [Unicode.Scalar] where replacement != scalars[index] {
                var tampered = scalars
                tampered[index] = replacement
                let text = String(String.UnicodeScalarView(tampered))
                #expect(SignedRouteState.verify(text, with: key) == .untrusted, "\(text)")
            }
        }
    }

    @Test func truncatedExtendedOrUnsignedStatesAreUntrusted() throws {
        let state = try #require(SignedRouteState(route: route).encoded(with: key))
        for length in 1..<state.count {
            #expect(SignedRouteState.verify(String(state.prefix(length)), with: key) == .untrusted, "\(length)")
        }
        #expect(SignedRouteState.verify(state + "A", with: key) == .untrusted)
        #expect(SignedRouteState.verify(state + " ", with: key) == .untrusted)
        #expect(SignedRouteState.verify(" " + state, with: key) == .untrusted)
        #expect(SignedRouteState.verify(nil, with: key) == .absent)
        #expect(SignedRouteState.verify("", with: key) == .absent)
        for unsigned in ["mjb1 libera%20chat #art alice", "irc:#art:alice", "mjb2 net #art alice - -",
                         "mjb2 net #art alice - - AAAAAAAAAAAAAAAAAAAAAA", "mjb2 net #art%0D%0AQUIT alice - - x"] {
            #expect(SignedRouteState.verify(unsigned, with: key) == .untrusted, "\(unsigned)")
        }
    }

    @Test func fieldsAreNeverReadAcrossBoundaries() throws {
        // Moving a space between fields keeps the characters but changes the meaning: the MAC
        // covers the text as sent, so it no longer fits.
        let state = try #require(SignedRouteState(route: TaskRoute(network: "net", channel: "#a", nick: "bc")).encoded(with: key))
        let moved = state.replacingOccurrences(of: "#a bc", with: "#ab c")
        #expect(moved != state)
        #expect(SignedRouteState.verify(moved, with: key) == .untrusted)
    }

    @Test func longFieldsDropTheIntentThenTheAccountThenTheState() throws {
        let long = String(repeating: "n", count: 60)
        let full = SignedRouteState(route: TaskRoute(network: "net", channel: "#" + long, nick: long, account: long),
                                    intent: String(repeating: "i", count: 60))
        let dropsIntent = try #require(full.encoded(with: key))
        #expect(dropsIntent.utf8.count <= 255)
        #expect(valid(dropsIntent) == SignedRouteState(route: full.route, intent: nil))

        let longer = String(repeating: "n", count: 80)
        let tooMuch = SignedRouteState(route: TaskRoute(network: "net", channel: "#" + longer, nick: longer, account: longer),
                                       intent: "x")
        let dropsAccount = try #require(tooMuch.encoded(with: key))
        #expect(dropsAccount.utf8.count <= 255)
        #expect(valid(dropsAccount) == SignedRouteState(route: TaskRoute(network: "net", channel: "#" + longer, nick: longer)))

        let huge = String(repeating: "n", count: 120)
        #expect(SignedRouteState(route: TaskRoute(network: "net", channel: "#" + huge, nick: huge)).encoded(with: key) == nil)
        // Counted in bytes: 111 characters of channel, but 221 bytes, do not fit.
        let multibyte = "#" + String(repeating: "é", count: 110)
        #expect(SignedRouteState(route: TaskRoute(network: "net", channel: multibyte, nick: "a")).encoded(with: key) == nil)
        #expect(SignedRouteState(route: TaskRoute(network: "net", channel: String(multibyte.prefix(80)), nick: "a"))
            .encoded(with: key).map { $0.utf8.count <= 255 } == true)
        #expect(SignedRouteState.verify(dropsIntent + String(repeating: "A", count: 300), with: key) == .untrusted)
    }

    /// On Matrix the user id is the identity and the display name anyone's: a route too long
    /// with it gets no state (not adoptable after a crash) rather than one owned by a name.
    @Test func aMatrixUserIdIsNeverDroppedForLength() throws {
        let room = "!KWtFOvvJ8EHGjlKjvK4FU1Bao56pW2bhtS12r7nE8zM"
        let name = String(repeating: "a", count: 100)
        let matrix = SignedRouteState(route: TaskRoute(network: "hs", channel: room, nick: name,
                                                       account: "@" + String(repeating: "u", count: 80) + ":example.org"))
        #expect(matrix.encoded(with: key) == nil)
        // The same lengths on IRC drop the account, as before.
        let irc = SignedRouteState(route: TaskRoute(network: "hs", channel: "#" + String(repeating: "c", count: 43), nick: name,
                                                    account: String(repeating: "u", count: 92)))
        #expect(valid(try #require(irc.encoded(with: key)))?.route.account == nil)
        // Short enough: the user id stays in.
        let short = SignedRouteState(route: TaskRoute(network: "hs", channel: room, nick: "Alice", account: "@alice:example.org"))
        #expect(valid(short.encoded(with: key))?.route.account == "@alice:example.org")
    }
}

@Suite struct RouteTargetRulesTests {
    let rules = RouteTargetRules(networks: ["libera", "oftc"])

    func accepts(network: String = "libera", channel: String? = "#art", nick: String = "alice",
                 account: String? = nil, intent: String? = nil) -> Bool {
        rules.accepts(SignedRouteState(route: TaskRoute(network: network, channel: channel, nick: nick, account: account),
                                       intent: intent))
    }

    @Test func plainNamesOfAConfiguredNetworkPass() {
        #expect(accepts())
        #expect(accepts(network: "oftc", channel: nil, nick: "[bob]_2-x", account: "Bob.Example", intent: "a_1-B"))
        #expect(accepts(channel: "&local"))
        #expect(accepts(channel: "#café"))
    }

    @Test func anythingElseIsRefused() {
        #expect(!accepts(network: "Libera"))
        #expect(!accepts(network: "elsewhere"))
        for channel in ["art", "#", "#a b", "#a,#b", "#a:b", "#a\u{7}", "#a\r\nQUIT", "#a\u{0}", "#a\u{7F}",
                        "#" + String(repeating: "x", count: 64)] {
            #expect(!accepts(channel: channel), "\(channel.debugDescription)")
        }
        for nick in ["", "1alice", "-alice", "al ice", "al,ice", "alice!x@y", "alice\r\n", "ålice", "al\u{1}ice",
                     String(repeating: "a", count: 65)] {
            #expect(!accepts(nick: nick), "\(nick.debugDescription)")
        }
        for account in ["", "a b", "a,b", "a\u{0}", "a\u{85}", String(repeating: "a", count: 65)] {
            #expect(!accepts(account: account), "\(account.debugDescription)")
        }
        for intent in ["", "a b", "a/b", "ä", String(repeating: "a", count: 65)] {
            #expect(!accepts(intent: intent), "\(intent.debugDescription)")
        }
    }
}

extension RouteTargetRulesTests {
    /// A Matrix account's routes: a room id, the display name where IRC has a nick (spaces and
    /// all), the user id as account; never a private route (a Matrix account sends only to rooms).
    @Test func matrixRoutesNameARoomByIdWithADisplayNameAndAUserId() {
        let rules = RouteTargetRules(networks: ["libera"], matrixNetworks: ["hs"])
        #expect(rules.networks == ["libera", "hs"])
        func accepts(channel: String? = "!AbC:example.org", nick: String = "Alice A.", account: String? = "@alice:example.org",
                     network: String = "hs") -> Bool {
            rules.accepts(SignedRouteState(route: TaskRoute(network: network, channel: channel, nick: nick, account: account),
                                           intent: "i-1"))
        }
        #expect(accepts())
        #expect(accepts(channel: "!KWtFOvvJ8EHGjlKjvK4FU1Bao56pW2bhtS12r7nE8zM", nick: "älice 🦊", account: nil))
        // The rule the transport sends by (TaskRoute.isMatrixRoomID): the opaque part is the server's.
        #expect(accepts(channel: "!a,b/c+d=:example.org"))
        for channel in [nil, "#art:example.org", "#art", "!short", "!a b:hs", "!a\u{7}:hs", "!a\u{85}:hs"] as [String?] {
            #expect(!accepts(channel: channel), "\(String(describing: channel))")
        }
        for nick in ["", "Alice\r\nA", "a\u{1}b", "a\u{85}b", String(repeating: "é", count: 130)] {
            #expect(!accepts(nick: nick), "\(nick.debugDescription)")
        }
        for account in ["alice", "@alice", "@a b:hs", "@a\u{0}:hs"] {
            #expect(!accepts(account: account), "\(account)")
        }
        // IRC networks keep the IRC rules: a room id or a display name is no channel or nick there.
        #expect(!accepts(network: "libera"))
        #expect(rules.accepts(SignedRouteState(route: TaskRoute(network: "libera", channel: "#art", nick: "alice"))))
    }
}

@Suite struct CallbackHintTests {
    @Test func takesOnlyTheIdAndTheState() throws {
        let hint = try #require(CallbackHint(body: Data(#"{"id":"1748339029401828","status":"SUCCESS","imageUrl":"http://evil.example/f.png","state":"mjb2 x"}"#.utf8)))
        #expect(hint == CallbackHint(taskId: "1748339029401828", state: "mjb2 x"))
        #expect(CallbackHint(body: Data(#"{"id":17483390294}"#.utf8))?.taskId == "17483390294")
    }

    @Test func refusesBodiesWithoutAPlausibleId() {
        for body in [#"{"status":"SUCCESS"}"#, #"{"id":""}"#, #"{"id":"12 34"}"#, #"{"id":"1\r\n2"}"#, #"{"id":null}"#,
                     #"{"id":["1"]}"#, "not json", "[1]", "{\"id\":\"" + String(repeating: "1", count: 65) + "\"}"] {
            #expect(CallbackHint(body: Data(body.utf8)) == nil, "\(body)")
        }
    }

    @Test func sketchesUntrustedTextShortAndPrintable() {
        let sketch = CallbackHint.sketch("mjb2 \u{1}\r\nQUIT " + String(repeating: "x", count: 5000))
        #expect(sketch.hasPrefix("5013 bytes: mjb2 ???QUIT "))
        #expect(sketch.count < 60)
        #expect(!sketch.unicodeScalars.contains { $0.value < 0x20 })
        #expect(CallbackHint.sketch(nil) == "none")
    }
}
