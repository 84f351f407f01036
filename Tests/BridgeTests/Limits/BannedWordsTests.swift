import Testing
@testable import Bridge

@Suite struct BannedWordsTests {
    let banned = BannedWords(["ass", "hot dog", "Ünïcode"])

    @Test(arguments: [
        ("an ass in a field", true),
        ("ASS", true),
        ("Ass,", true),
        ("(ass)", true),
        ("grass", false),
        ("assassin", false),
        ("class assignment", false),
        ("Ａss", true),                 // fullwidth A, NFKC
        ("ａｓｓ", true),                 // all fullwidth
        ("a\u{2}ss", true),            // bold in the middle
        ("a\u{3}04ss", true),          // a colour code in the middle
        ("\u{1D}ass\u{1D}", true),     // italic around
        ("a\u{200B}ss", true),         // zero-width space
        ("a\u{AD}ss", true),           // soft hyphen
        ("a ss", false),
        ("a hot dog stand", true),
        ("HOT   DOG", true),
        ("hot-dog", true),             // punctuation separates words
        ("hotdog", false),
        ("a hot day, dog", false),
        ("ünïcode", true),
        ("u\u{308}nïcode", true),      // decomposed ü
        ("", false),
    ])
    func matrix(text: String, matches: Bool) {
        #expect(banned.matches(text) == matches, "\(text.debugDescription)")
    }

    @Test func anEmptyListMatchesNothing() {
        #expect(BannedWords([]).isEmpty)
        #expect(!BannedWords(["", "  ", "!!"]).matches("anything !!"))
    }

    @Test func theFileFormat() {
        let words = BannedWords.parseFile("# banned\nass\n\n  hot dog  \n# comment\r\nspam\r\n")
        #expect(words == ["ass", "hot dog", "spam"])
    }
}

@Suite struct LimitIdentityTests {
    @Test func accountThenUserHostThenNick() {
        #expect(LimitIdentity.key(account: "Alice", userHost: "a@h", nick: "x") == "alice")
        #expect(LimitIdentity.key(account: nil, userHost: "Alice@Host.EXAMPLE", nick: "x") == "*!alice@host.example")
        #expect(LimitIdentity.key(account: "", userHost: nil, nick: "Al[ice]") == "al{ice}!*@*")
        // A nick change keeps the identity.
        #expect(LimitIdentity.key(account: nil, userHost: "a@h", nick: "one") == LimitIdentity.key(account: nil, userHost: "a@h", nick: "two"))
        #expect(LimitIdentity.key(typed: "*!Alice@Host") == "*!alice@host")
        #expect(LimitIdentity.key(typed: "ALICE") == "alice")
    }
}

@Suite struct JobCommandsTests {
    @Test func buttonsAreJobsQueriesAreNot() throws {
        for name in ["imagine", "niji", "u1", "v1", "reroll", "vary", "zoom", "pan", "upscale", "region", "btn", "describe",
                     "pick", "blend", "faceswap", "shorten"] {
            let spec = try #require(ChatBridge.commands.lookup(name))
            #expect(JobCommands.submitsJob(spec), "\(name)")
        }
        for name in ["status", "seed", "tasks", "cancel", "help", "version", "ping", "quota", "remix", "join", "pending"] {
            let spec = try #require(ChatBridge.commands.lookup(name))
            #expect(!JobCommands.submitsJob(spec), "\(name)")
        }
        #expect(JobCommands.sendsText(BridgeCommands.remix))
    }

    @Test func everyBridgeCommandIsClassified() {
        let queries: Set<String> = ["status", "seed", "tasks", "cancel", "remix"]
        for spec in BridgeCommands.all {
            #expect(JobCommands.submitsJob(spec) != queries.contains(spec.name), "\(spec.name) is neither a job nor a known query")
        }
    }
}

@Suite struct QuotaRequestTests {
    @Test(arguments: [
        (["alice"], QuotaRequest.show(user: "alice")),
        (["alice", "50"], .set(user: "alice", limit: 50, always: false)),
        (["alice", "unlimited"], .set(user: "alice", limit: 0, always: false)),
        (["alice", "50", "always"], .set(user: "alice", limit: 50, always: true)),
        (["alice", "unlimited", "ALWAYS"], .set(user: "alice", limit: 0, always: true)),
        (["alice", "reset"], .set(user: "alice", limit: nil, always: false)),
        (["*!bob@host", "3"], .set(user: "*!bob@host", limit: 3, always: false)),
        (["default", "30"], .setEveryone(limit: 30)),
        (["default", "unlimited"], .setEveryone(limit: 0)),
        (["default", "reset"], .setEveryone(limit: nil)),
    ] as [([String], QuotaRequest)])
    func valid(words: [String], request: QuotaRequest) {
        #expect(QuotaRequest.parse(words) == request)
    }

    @Test(arguments: [
        [], ["default"], ["alice", "0"], ["alice", "-3"], ["alice", "many"], ["alice", "5", "never"],
        ["alice", "reset", "always"], ["default", "5", "always"], ["a", "1", "always", "x"],
    ])
    func invalid(words: [String]) {
        #expect(QuotaRequest.parse(words) == nil)
    }
}
