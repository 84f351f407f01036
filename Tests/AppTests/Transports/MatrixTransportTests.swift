@testable import App
import Bridge
import Foundation
import Logging
import Matrix
import Store
import Testing

/// The pure parts of the Matrix transport: event mapping, what a failed send means, the
/// notice it sends, the fold that leaves Matrix ids alone, and the `[[matrix]]` config.
@Suite struct MatrixTransportTests {
    let message = RoomMessage(roomID: "!Room:Example.org", eventID: "$ev1", sender: "@Alice:example.org",
                              originServerTS: 0, msgtype: "m.text", body: "!imagine a red fox",
                              relation: .thread(root: "$root", inReplyTo: nil, isFallingBack: true))

    @Test func aRoomMessageBecomesAVerifiedChatEventWithItsReplyTarget() {
        let event = MatrixChatEvent.make(message, network: "hs", displayName: "Alice\u{7} A.", botName: "mjb")
        #expect(event.target == .channel("!Room:Example.org"))
        #expect(event.sender == "Alice A.")
        #expect(event.account == "@Alice:example.org")
        #expect(event.accountVerified)
        #expect(event.replyTo == ReplyReference(eventID: "$ev1", threadRoot: "$root", userID: "@Alice:example.org"))
        let unnamed = MatrixChatEvent.make(message, network: "hs", displayName: "  ", botName: nil)
        #expect(unnamed.sender == "Alice")
        // C1 goes too: route adoption refuses a name with it (RouteTargetRules.isDisplayName).
        #expect(MatrixChatEvent.cleanName("a\u{85}b\u{9B}c") == "abc")
    }

    @Test func matrixIdentifiersAreNeverCaseFolded() {
        #expect(TaskRoute.fold("!Room:Example.org") == "!Room:Example.org")
        #expect(TaskRoute.fold("@Alice:example.org") == "@Alice:example.org")
        #expect(TaskRoute.fold("#Chan[1]") == "#chan{1}")
        // Room version 12: no server part in the room id.
        let v12 = "!KWtFOvvJ8EHGjlKjvK4FU1Bao56pW2bhtS12r7nE8zM"
        #expect(TaskRoute.fold(v12) == v12)
        #expect(TaskRoute.fold("!ABCDEchan") == "!abcdechan")
        let route = TaskRoute(network: "hs", channel: "!AbC:hs", nick: "Alice")
        #expect(route.scopeKey == "hs\u{1}!AbC:hs")
        #expect(route.scopeKey != TaskRoute(network: "hs", channel: "!abc:hs", nick: "Alice").scopeKey)
    }

    @Test func matrixUserIdsAreAccountsForIgnoresAndQuotas() {
        #expect(RoleResolver.Entry("@bob:example.org") == .account("@bob:example.org"))
        #expect(RoleResolver.Entry("*!*@host") != .account("*!*@host"))
        #expect(LimitIdentity.key(typed: "@Bob:example.org") == "@Bob:example.org")
        let event = MatrixChatEvent.make(message, network: "hs", displayName: "Alice", botName: nil)
        #expect(LimitIdentity.key(of: event) == "@Alice:example.org")
        let resolver = RoleResolver(ignores: [RoleResolver.Entry("@Alice:example.org")!])
        #expect(resolver.role(of: event) == .ignored)
        #expect(RoleResolver(ownerAccounts: ["@Alice:example.org"]).role(of: event) == .owner)
    }

    @Test func aLineWithAReplyTargetIsANoticeReplyingInTheThreadAndMentioningTheUser() {
        let line = OutgoingChat(network: "hs", target: "!r:hs", text: "Alice: done https://x.test/a.png",
                                replyTo: ReplyReference(eventID: "$ev1", threadRoot: "$root", userID: "@alice:hs"))
        let content = MatrixAccount.content(for: line)
        #expect(content["msgtype"] == "m.notice")
        #expect(content["m.relates_to"]?["m.in_reply_to"]?["event_id"] == "$ev1")
        #expect(content["m.relates_to"]?["event_id"] == "$root")
        #expect(content["m.mentions"]?["user_ids"] == ["@alice:hs"])
        let plain = MatrixAccount.content(for: OutgoingChat(network: "hs", target: "!r:hs", text: "hi"))
        #expect(plain["m.relates_to"] == nil)
        #expect(plain["m.mentions"]?["user_ids"] == [])
    }

    @Test func whatAFailedSendMeansForAnOwedLine() {
        func server(_ status: Int, _ code: String, retry: Duration? = nil) -> MatrixClientError {
            .server(MatrixErrorResponse(status: status, errcode: code, retryAfter: retry))
        }
        #expect(MatrixAccount.report(for: server(429, "M_LIMIT_EXCEEDED", retry: .milliseconds(1500))) == .wait(.milliseconds(1500)))
        #expect(MatrixAccount.report(for: server(429, "M_LIMIT_EXCEEDED", retry: .seconds(3600))) == .wait(.seconds(60)))
        guard case .report(.refused(let forbidden, 0)) = MatrixAccount.report(for: server(403, "M_FORBIDDEN")) else {
            Issue.record("M_FORBIDDEN is a refusal")
            return
        }
        #expect(forbidden.kind == .cannotSendToChannel)
        guard case .report(.refused(let missing, 0)) = MatrixAccount.report(for: server(404, "M_NOT_FOUND")) else {
            Issue.record("M_NOT_FOUND is a refusal")
            return
        }
        #expect(missing.kind == .noSuchTarget)
        #expect(MatrixAccount.report(for: server(502, "M_UNKNOWN")) == .report(.interrupted(confirmedOffset: 0)))
        #expect(MatrixAccount.report(for: .transport("reset", mayHaveArrived: true)) == .report(.interrupted(confirmedOffset: 0)))
        // A reverse proxy's page (no errcode), not the homeserver: tried again later, never refused.
        let page = MatrixErrorResponse.parse(status: 404, body: Data("<html>Not Found</html>".utf8), retryAfterHeader: nil)
        #expect(MatrixAccount.report(for: .server(page)) == .report(.interrupted(confirmedOffset: 0)))
    }

    static let base = """
        [proxy]
        base_url = "http://127.0.0.1:1"

        """

    @Test func aMatrixAccountIsReadStrictly() throws {
        let loader = ConfigurationLoader(environment: ["MJBRIDGE_MATRIX_HS_ACCESS_TOKEN": "syt_env"])
        let configuration = try loader.parse(toml: Self.base + """
            [[matrix]]
            name = "hs"
            homeserver = "https://matrix.example.org"
            user_id = "@mjb:example.org"
            rooms = ["#art:example.org", "!AbC:example.org"]
            owners = ["@boss:example.org"]
            """, baseDirectory: "/tmp")
        #expect(configuration.networks.isEmpty)
        let account = try #require(configuration.matrix.first)
        #expect(account.accessToken?.value == "syt_env")
        #expect(account.rooms == ["#art:example.org", "!AbC:example.org"])
        #expect(account.invites == .owners, "the default: only the owners' invitations are followed")
        #expect(configuration.bridgeConfiguration(notifyHook: nil, callbackSecret: "s").ownerAccounts.contains("@boss:example.org"))

        // A user id without a server, an alias without one, and an unknown key are refused.
        for (userID, extra) in [("mjb", ""), ("@mjb:example.org", "rooms = [\"#art\"]"), ("@mjb:example.org", "invite = \"all\"")] {
            let text = Self.base + """
                [[matrix]]
                name = "hs"
                homeserver = "https://matrix.example.org"
                user_id = "\(userID)"
                password = "pw"
                \(extra)
                """
            #expect(throws: ConfigError.self) { try ConfigurationLoader(environment: [:]).parse(toml: text, baseDirectory: "/tmp") }
        }
        // Neither a token nor a password:
        #expect(throws: ConfigError.self) {
            try ConfigurationLoader(environment: [:]).parse(toml: Self.base + """
                [[matrix]]
                name = "hs"
                homeserver = "https://matrix.example.org"
                user_id = "@mjb:example.org"
                """, baseDirectory: "/tmp")
        }
    }

    /// `command_prefix`: optional, the same rule as `[bot] command_prefix` (not empty), the
    /// bot's when absent; it reaches the bridge as that network's prefix and `check-config` shows it.
    @Test func anAccountMayHaveACommandPrefixOfItsOwn() throws {
        func load(_ extra: String, bot: String = "") throws(ConfigError) -> Configuration {
            try ConfigurationLoader(environment: [:]).parse(toml: bot + Self.base + """
                [[matrix]]
                name = "hs"
                homeserver = "https://matrix.example.org"
                user_id = "@mjb:example.org"
                access_token = "syt_secret_token"
                \(extra)
                [[matrix]]
                name = "other"
                homeserver = "https://matrix.example.org"
                user_id = "@mjb2:example.org"
                access_token = "syt_secret_token"
                """, baseDirectory: "/tmp")
        }
        let own = try load("command_prefix = \".\"")
        #expect(own.matrix[0].commandPrefix == ".")
        #expect(own.matrix[1].commandPrefix == nil)
        let bridge = own.bridgeConfiguration(notifyHook: nil, callbackSecret: "s")
        let live = LiveSettings(bridge)
        #expect(live.commandPrefix(network: "hs") == ".")
        #expect(live.commandPrefix(network: "other") == "!", "without its own: the bot's")
        #expect(LiveSettings(try load("", bot: "[bot]\ncommand_prefix = \"~\"\n").bridgeConfiguration(notifyHook: nil, callbackSecret: "s"))
            .commandPrefix(network: "hs") == "~")
        #expect(own.redactedSummary.contains("[[matrix]]\nname = \"hs\""), "\(own.redactedSummary)")
        #expect(own.redactedSummary.contains("command_prefix = \".\"\n"))
        #expect(own.redactedSummary.contains("command_prefix = \"!\"  # [bot] command_prefix"))
        #expect(!own.redactedSummary.contains("syt_secret_token"), "secrets are shown by origin only")

        do {
            _ = try load("command_prefix = \"\"")
            Issue.record("an empty prefix is refused")
        } catch {
            #expect(error == .invalidValue(key: "matrix[0].command_prefix", reason: "must not be empty"))
        }
        #expect(throws: ConfigError.self) { try load("command_prefix = 1") }
        // Restart-only, like the rest of the table.
        #expect(ConfigurationDiff(from: try load(""), to: own).needsRestart == ["matrix"])
    }

    /// Matrix sends only to rooms: a line for a display name (where IRC would have a nick) is
    /// refused before anything reaches the homeserver.
    @Test func aLineForAnythingButARoomIdIsRefused() async throws {
        #expect(MatrixAccount.isRoomID("!AbC:example.org"))
        #expect(MatrixAccount.isRoomID("!KWtFOvvJ8EHGjlKjvK4FU1Bao56pW2bhtS12r7nE8zM"))
        #expect(MatrixAccount.isRoomID("!a/b+c=:example.org"), "the opaque part is the server's choice")
        #expect(MatrixAccount.isRoomID("!a,b:example.org"))
        // One rule with route adoption (TaskRoute.isMatrixRoomID): no C1, and a server part or the v12 shape.
        for target in ["Alice A.", "alice", "@alice:example.org", "#art:example.org", "!", "!a b:hs", "!a\u{7}:hs", "",
                       "!a\u{85}:hs", "!nocolon"] {
            #expect(!MatrixAccount.isRoomID(target), "\(target)")
        }
        // Port 9 (discard): nothing may be asked of it anyway.
        var settings = MatrixSettings(name: "hs", homeserver: "http://127.0.0.1:9", userID: "@mjb:example.org",
                                      accessToken: Secret("syt_x", origin: "test"))
        settings.rooms = []
        let metrics = BotMetrics()
        metrics.prepareMatrixSeries(accounts: ["hs"])
        let account = MatrixAccount(settings: settings, store: try SQLiteStore.inMemory(), logger: Logger(label: "test"),
                                    metrics: metrics)
        let transport = MatrixTransport(accounts: [account])
        let report = await transport.deliver(OutgoingChat(network: "hs", target: "Alice A.", text: "hi", style: .notice,
                                                          outboxLineID: 7), from: 0)
        guard case .refused(let refusal, 0) = report else {
            Issue.record("refused, not \(report)")
            return
        }
        #expect(refusal.kind == .invalidTarget)
        await #expect(throws: MatrixTransportError.self) {
            try await transport.send(OutgoingChat(network: "hs", target: "Alice A.", text: "hi", style: .notice))
        }
        let scrape = PrometheusScrape(metrics.prometheusText())
        #expect(scrape.value("mjbridge_matrix_sends_total", ["account": "hs", "result": "failed"]) == 2)
        #expect(scrape.value("mjbridge_matrix_sends_total", ["account": "hs", "result": "sent"]) == 0)
    }

    /// Secrets as for IRC: `access_token_file` / `password_file` relative to the config file,
    /// the environment (`MJBRIDGE_MATRIX_<NAME>_…`, other characters as `_`) over the file over
    /// the inline value; an inline value and a file together are refused.
    @Test func theCredentialComesFromAFileOrTheEnvironment() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-mxsecret-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "syt_from_file\n".write(to: directory.appendingPathComponent("token.txt"), atomically: true, encoding: .utf8)
        try "pw_from_file".write(to: directory.appendingPathComponent("password.txt"), atomically: true, encoding: .utf8)
        func load(_ keys: String, environment: [String: String] = [:]) throws(ConfigError) -> MatrixSettings? {
            let path = directory.appendingPathComponent("bot.conf").path
            try? (Self.base + """
                [[matrix]]
                name = "matrix-org"
                homeserver = "https://matrix.example.org"
                user_id = "@mjb:example.org"
                \(keys)
                """).write(toFile: path, atomically: true, encoding: .utf8)
            return try ConfigurationLoader(environment: environment).load(path: path).matrix.first
        }
        let fromFile = try #require(try load("access_token_file = \"token.txt\""))
        #expect(fromFile.accessToken?.value == "syt_from_file" && fromFile.accessToken?.origin.hasPrefix("file ") == true)
        #expect(try load("password_file = \"password.txt\"")?.password?.value == "pw_from_file")
        let fromEnv = try load("access_token_file = \"token.txt\"",
                               environment: ["MJBRIDGE_MATRIX_MATRIX_ORG_ACCESS_TOKEN": "syt_from_env"])
        #expect(fromEnv?.accessToken?.value == "syt_from_env")
        #expect(try load("password = \"x\"", environment: ["MJBRIDGE_MATRIX_MATRIX_ORG_PASSWORD": "pw_env"])?.password?.value == "pw_env")
        do {
            _ = try load("access_token = \"a\"\naccess_token_file = \"token.txt\"")
            Issue.record("an inline token and a file together are refused")
        } catch {
            #expect(error == .secretConflict(key: "matrix[0].access_token"))
        }
        #expect(throws: ConfigError.self) { try load("access_token_file = \"missing.txt\"") }
    }

    @Test func invitesIsReadAndDecidesWhoseInvitationIsFollowed() throws {
        for value in MatrixInvitePolicy.allCases {
            let configuration = try ConfigurationLoader(environment: [:]).parse(toml: Self.base + """
                [[matrix]]
                name = "hs"
                homeserver = "https://matrix.example.org"
                user_id = "@mjb:example.org"
                password = "pw"
                invites = "\(value.rawValue)"
                """, baseDirectory: "/tmp")
            #expect(configuration.matrix.first?.invites == value)
        }
        #expect(MatrixInvitePolicy.owners.accepts(inviter: "@boss:example.org", inviterIsOwner: true))
        #expect(!MatrixInvitePolicy.owners.accepts(inviter: "@eve:example.org", inviterIsOwner: false))
        #expect(!MatrixInvitePolicy.owners.accepts(inviter: nil, inviterIsOwner: true))
        #expect(MatrixInvitePolicy.anyone.accepts(inviter: "@eve:example.org", inviterIsOwner: false))
        #expect(!MatrixInvitePolicy.none.accepts(inviter: "@boss:example.org", inviterIsOwner: true))
    }
}
