import Foundation
import IRC
import Store
import Testing
@testable import Bridge

/// `!pause`/`!resume`, `!ignore`/`!unignore`/`!ignored`, `!admin`/`!admins`, `!audit` and an
/// admin's `!cancel`, with a real bridge, SQLite store and simulator. `root` is the owner
/// (by account), `helper` becomes an admin from chat.
@Suite struct AdminCommandsTests {
    func asOwner(_ h: BridgeHarness, _ text: String, in channel: String? = BridgeHarness.channel) async {
        await h.say(text, as: "root", account: "root", in: channel)
    }

    func asAdmin(_ h: BridgeHarness, _ text: String, in channel: String? = BridgeHarness.channel) async {
        await h.say(text, as: "helper", account: "helper", in: channel)
    }

    func makeAdmin(_ h: BridgeHarness) async {
        await asOwner(h, "!admin add helper")
        #expect(await h.lastLine == "root: helper is now an admin (when logged in to that account).")
    }

    @Test func helpListsWhatEachRoleMayUse() async throws {
        try await BridgeHarness.with { h in
            await makeAdmin(h)
            await h.say("!help")
            let user = await h.lastLine
            #expect(!user.contains("pause") && !user.contains("audit") && !user.contains("admins"), "\(user)")
            await asAdmin(h, "!help")
            let admin = await h.lastLine
            #expect(admin.contains("ping, pause, resume, ignore, unignore, ignored, audit, stats ·"), "\(admin)")
            #expect(!admin.contains("admins") && !admin.contains("join"), "\(admin)")
            await asOwner(h, "!help")
            // The owners' list is long enough to be split over two lines.
            let owner = await h.lines.suffix(2).joined(separator: " ")
            for name in ["audit,", "stats,", "admin,", "admins,", "join,", "part (leave),", "progress,", "pending,", "reload"] {
                #expect(owner.contains(name), "\(name) missing from \(owner)")
            }
            await h.say("!help ignore")
            #expect(await h.lastLine == "alice: No command \"ignore\". !help lists them all.")
            await asAdmin(h, "!help ignore")
            #expect(await h.lines.suffix(2).first?.hasPrefix("helper: Usage: !ignore <account|nick!user@host> [reason]") == true)
        }
    }

    @Test func othersAreRefusedInOneSentenceAndAudited() async throws {
        try await BridgeHarness.with { h in
            await h.say("!ignore bob", as: "mallory")
            #expect(await h.lastLine == "mallory: !ignore is for the bot's admins.")
            await h.say("!pause", as: "root")  // the owner's nick without the account
            #expect(await h.lastLine == "root: !pause is for the bot's admins.")
            await makeAdmin(h)
            await asAdmin(h, "!admin add mallory")
            #expect(await h.lastLine == "helper: !admin is for the bot's owners.")
            await asAdmin(h, "admins", in: nil)
            #expect(await h.lastLine == "!admins is for the bot's owners.")
            let rows = try await h.store.recentAudit(limit: 10)
            #expect(rows.map { "\($0.account ?? "-") \($0.mask) \($0.command) \($0.target ?? "-") \($0.outcome)" } == [
                "helper helper admins - refused: for owners",
                "helper helper admin add mallory refused: for owners",
                "root root admin add helper ok",
                "- root pause - refused: for admins",
                "- mallory ignore bob refused: for admins",
            ])
            #expect(try await h.store.adminAccounts().map(\.account) == ["helper"], "nothing changed by refused attempts")
        }
    }

    @Test func pauseRefusesSubmissionsWithTheMessageAndLetsQueriesThrough() async throws {
        try await BridgeHarness.with { h in
            await makeAdmin(h)
            let running = try await h.imagined("a fox before the pause")
            await asAdmin(h, "!pause back after the break")
            #expect(await h.lastLine == "helper: New jobs are paused in #art (\"back after the break\"); running jobs still finish. !resume #art lifts it.")
            await h.say("!imagine a fox")
            #expect(await h.lastLine == "alice: New jobs are paused in #art: back after the break")
            await h.say("!u1")
            #expect(await h.lastLine == "alice: New jobs are paused in #art: back after the break")
            await asOwner(h, "!imagine an owner's fox")
            #expect(await h.lastLine == "root: New jobs are paused in #art: back after the break")
            await h.say("!status \(running)")
            #expect(await !h.lastLine.contains("paused"))
            // Elsewhere (another channel, in private) jobs still start.
            await h.say("!imagine a fox elsewhere", in: "#other")
            #expect(await h.lastLine.contains("ref "))
            await h.say("imagine a fox in private", in: nil)
            #expect(await h.lastLine.contains("ref "))

            // Paused everywhere, from private: private submissions are refused too.
            await asAdmin(h, "pause", in: nil)
            #expect(await h.lastLine == "New jobs are paused everywhere; running jobs still finish. !resume all lifts it.")
            await h.say("imagine a fox in private", in: nil)
            #expect(await h.lastLine == "New jobs are paused for now; running jobs still finish. Try again later.")

            // Survives a restart.
            try await h.restart()
            await h.say("!imagine a fox", in: "#other")
            #expect(await h.lastLine == "alice: New jobs are paused for now; running jobs still finish. Try again later.")
            await asAdmin(h, "!resume #other")
            #expect(await h.lastLine == "helper: New jobs were not paused in #other. A pause for all channels holds: !resume all lifts it.")
            await asAdmin(h, "!resume")
            #expect(await h.lastLine == "helper: New jobs are welcome again in #art.")
            await h.say("!imagine a fox")
            #expect(await h.lastLine == "alice: New jobs are paused for now; running jobs still finish. Try again later.")
            await asAdmin(h, "!resume all")
            #expect(await h.lastLine == "helper: Every pause is lifted; new jobs are welcome again.")
            await h.say("!imagine a fox after it all")
            #expect(await h.lastLine.contains("ref "))
            await asAdmin(h, "!resume all")
            #expect(await h.lastLine == "helper: Nothing was paused.")
        }
    }

    @Test func ignoredSendersGetSilenceButOwnersCannotBeIgnored() async throws {
        try await BridgeHarness.with { h in
            await makeAdmin(h)
            await asAdmin(h, "!ignore Eve flooding the channel")
            #expect(await h.lastLine == "helper: Ignoring Eve (flooding the channel).")
            await asAdmin(h, "!ignore *!*@bad.example")
            #expect(await h.lastLine == "helper: Ignoring *!*@bad.example. Owners matching it are still answered.")
            await asAdmin(h, "!ignore root")
            #expect(await h.lastLine == "helper: root is an owner; owners cannot be ignored.")
            await h.hear(BridgeHarness.event("!ignore *!*@*", as: "helper", account: "helper", userHost: "~h@home.example"))
            #expect(await h.lastLine == "helper: *!*@* matches you too; give a narrower mask.")
            #expect(try await h.store.recentAudit(limit: 1).first?.outcome == "refused: matches the sender")

            let before = await h.lines.count
            await h.say("!help", as: "eve", account: "eve")
            await h.say("!pause", as: "eve", account: "eve")
            await h.hear(BridgeHarness.event("!imagine x", as: "anyone", userHost: "~x@BAD.example"))
            await h.hear(BridgeHarness.event("help", as: "anyone", userHost: "~x@bad.example", in: nil))
            #expect(await h.lines.count == before, "no answer at all")
            // An owner on an ignored host is still an owner.
            await h.hear(BridgeHarness.event("!ping", as: "root", account: "root", userHost: "~r@bad.example"))
            #expect(await h.lastLine == "root: pong")
            // The nick alone is not the account: eve under another account is answered.
            await h.say("!ping", as: "eve", account: "someoneelse")
            #expect(await h.lastLine == "eve: pong")

            try await h.restart()
            await h.say("!ping", as: "eve2", account: "EVE")
            #expect(await h.lines.count == before + 2, "still ignored after a restart")
            await asAdmin(h, "!ignored")
            #expect(await h.lastLine == "helper: Ignored: Eve (flooding the channel, by helper 2025-05-27); *!*@bad.example (by helper 2025-05-27).")
            await asAdmin(h, "!unignore eve")
            #expect(await h.lastLine == "helper: No longer ignoring eve.")
            await asAdmin(h, "!unignore eve")
            #expect(await h.lastLine == "helper: eve was not ignored (!ignored lists who is).")
            await h.say("!ping", as: "eve", account: "eve")
            #expect(await h.lastLine == "eve: pong")
        }
    }

    @Test func adminsAreAddedAndRemovedByOwnersOnly() async throws {
        try await BridgeHarness.with { h in
            await asAdmin(h, "!pause")
            #expect(await h.lastLine == "helper: !pause is for the bot's admins.")
            await makeAdmin(h)
            await asOwner(h, "!admin add HELPER")
            #expect(await h.lastLine == "root: HELPER is an admin already.")
            await asOwner(h, "!admin add root")
            #expect(await h.lastLine == "root: root is an owner already (bot.conf).")
            await asOwner(h, "!admin add *!*@x")
            #expect(await h.lastLine == "root: Usage: !admin add|remove <account>")
            await asOwner(h, "!admins")
            #expect(await h.lastLine == "root: Owners: root · admins: helper (by root 2025-05-27).")
            // Owners as of the last reload (`!reload`, SIGHUP swap the live settings).
            var reloaded = h.bridge.live.current
            reloaded.ownerAccounts.append("carol")
            h.bridge.live.replace(with: reloaded)
            await asOwner(h, "!admins")
            #expect(await h.lastLine == "root: Owners: root, carol · admins: helper (by root 2025-05-27).")
            await asAdmin(h, "!pause")
            #expect(await h.lastLine.hasPrefix("helper: New jobs are paused in #art"))
            try await h.restart()
            await asAdmin(h, "!resume")
            #expect(await h.lastLine == "helper: New jobs are welcome again in #art.")
            await asOwner(h, "!admin remove helper")
            #expect(await h.lastLine == "root: helper is no longer an admin.")
            await asAdmin(h, "!pause")
            #expect(await h.lastLine == "helper: !pause is for the bot's admins.")
            await asOwner(h, "!admin remove helper")
            #expect(await h.lastLine == "root: helper was not an admin.")
        }
    }

    @Test func anUnverifiedAccountIsLookedUpBeforeAnAdminCommand() async throws {
        try await BridgeHarness.with { h in
            await makeAdmin(h)
            // The transport could not vouch for the account (no account-tag): the network is asked.
            await h.hear(BridgeHarness.event("!pause", as: "helper", account: "helper", verified: false))
            #expect(await h.lastLine == "helper: !pause is for the bot's admins.", "no answer from the network: refused")
            await h.transport.setAccount(.loggedIn("helper"), of: "helper")
            await h.hear(BridgeHarness.event("!pause", as: "helper", account: nil, verified: false))
            #expect(await h.lastLine.hasPrefix("helper: New jobs are paused in #art"))
            await h.transport.setAccount(.loggedOut, of: "Helper")
            await h.hear(BridgeHarness.event("!resume", as: "Helper", account: "helper", verified: false))
            #expect(await h.lastLine == "Helper: !resume is for the bot's admins.")
            // Ordinary commands never wait for a lookup.
            await h.hear(BridgeHarness.event("!ping", as: "helper", verified: false))
            #expect(await h.lastLine == "helper: pong")
            #expect(await h.transport.lookups == ["helper", "helper", "Helper"])
            let outcomes = try await h.store.recentAudit(limit: 3).map { "\($0.account ?? "-") \($0.command) \($0.outcome)" }
            #expect(outcomes == ["- resume refused: for admins", "helper pause ok", "- pause refused: for admins"])
            // An ordinary command that does more for an admin (someone else's quota) asks too.
            await h.transport.setAccount(.loggedIn("helper"), of: "helper")
            await h.hear(BridgeHarness.event("!quota alice 5", as: "helper", account: nil, verified: false))
            #expect(await h.transport.lookups.count == 4)
            let quotaAnswer = await h.lastLine
            #expect(!quotaAnswer.contains("Only admins"), "\(quotaAnswer)")
            // Without arguments it is about the sender alone: no lookup.
            await h.hear(BridgeHarness.event("!quota", as: "helper", account: nil, verified: false))
            #expect(await h.transport.lookups.count == 4)
        }
    }

    @Test func ownerMasksMakeOwnersOnNetworksWithoutServices() async throws {
        try await BridgeHarness.with(bridge: { configuration in
            configuration.networkAccess[BridgeHarness.network] = NetworkAccess(ownerMasks: [HostmaskPattern("*!~boss@Office.example")!])
        }) { h in
            await h.hear(BridgeHarness.event("!admin add helper", as: "anynick", userHost: "~boss@office.EXAMPLE"))
            #expect(await h.lastLine == "anynick: helper is now an admin (when logged in to that account).")
            await h.hear(BridgeHarness.event("!admin add eve", as: "anynick", userHost: "~boss@office.example.evil"))
            #expect(await h.lastLine == "anynick: !admin is for the bot's owners.")
            let rows = try await h.store.recentAudit(limit: 2)
            #expect(rows.map(\.mask) == ["anynick!~boss@office.example.evil", "anynick!~boss@office.EXAMPLE"])
            #expect(try await h.store.adminAccounts().first?.addedBy == "anynick!~boss@office.EXAMPLE")
        }
    }

    @Test func requireAccountLetsOnlyIdentifiedUsersSubmit() async throws {
        try await BridgeHarness.with(bridge: { configuration in
            configuration.networkAccess[BridgeHarness.network] = NetworkAccess(requireAccount: true)
        }) { h in
            await h.say("!imagine a fox")
            #expect(await h.lastLine == "alice: only users logged in to a services account can start jobs here: log in (e.g. /msg NickServ IDENTIFY <account> <password>, or SASL) and try again.")
            await h.say("!tasks")
            #expect(await !h.lastLine.contains("logged in"), "queries are not submissions")
            await h.say("!imagine a fox", account: "alice")
            #expect(await h.lastLine.contains("ref "))
            // Unverified: looked up first.
            await h.transport.setAccount(.loggedIn("bob"), of: "bob")
            await h.hear(BridgeHarness.event("!imagine a fox", as: "bob", verified: false))
            let bobsLine = await h.lastLine
            #expect(bobsLine.hasPrefix("bob: ") && bobsLine.contains("ref "), "\(bobsLine)")
        }
    }

    /// `!pending` names a ref "in #art"; an admin can act on it from private, where the
    /// conversation's own refs do not reach; a user cannot.
    @Test func adminsReachAPendingRefFromAnotherConversation() async throws {
        try await BridgeHarness.with { h in
            await makeAdmin(h)
            await h.say("!imagine a heron far away")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.say("!status \(ref)", as: "mallory", account: "mallory", in: nil)
            #expect(await h.lastLine == "I know no task \(ref) here.")
            let before = await h.lines.count
            await asAdmin(h, "!cancel \(ref)", in: nil)
            let answer = await h.lines(after: before)
            #expect(answer.first == "Cancelling ref \(ref).", "\(answer)")
        }
    }

    @Test func adminsCancelAnyonesTaskAndItIsAudited() async throws {
        try await BridgeHarness.with { h in
            await makeAdmin(h)
            await h.say("!imagine a long heron")
            let ref = try #require(BridgeHarness.ref(in: await h.lastLine))
            await h.say("!cancel \(ref)", as: "mallory", account: "mallory")
            #expect(await h.lastLine == "mallory: Only the one who started ref \(ref) (or an admin) can cancel it.")
            let before = await h.lines.count
            await asAdmin(h, "!cancel \(ref)")
            #expect(await h.lines(after: before).first == "helper: Cancelling ref \(ref).")
            let row = try #require(try await h.store.recentAudit(limit: 1).first)
            #expect(row.command == "cancel" && row.account == "helper" && row.outcome == "allowed")
            #expect(row.target?.hasSuffix(" of alice") == true)
        }
    }

    @Test func auditShowsTheLastActionsCompactly() async throws {
        try await BridgeHarness.with { h in
            await h.say("!audit")
            #expect(await h.lastLine == "alice: !audit is for the bot's admins.")
            await asOwner(h, "!pause all lunch")
            await asOwner(h, "!resume all")
            let before = await h.lines.count
            await asOwner(h, "!audit 2")
            let shown = await h.lines(after: before)
            #expect(shown.count == 2)
            #expect(shown[0].range(of: #"^root: #3 \d\d:\d\d UTC root \(root\) in #art: resume all → ok$"#, options: .regularExpression) != nil, "\(shown)")
            #expect(shown[1].range(of: #"^root: #2 \d\d:\d\d UTC root \(root\) in #art: pause all → ok$"#, options: .regularExpression) != nil, "\(shown)")
            await asOwner(h, "!audit 0")
            #expect(await h.lastLine == "root: Usage: !audit [n]")
            // Both are audited: the listing, and the command given wrong.
            let rows = try await h.store.recentAudit(limit: 2)
            #expect(rows.map(\.command) == ["audit", "audit"])
            #expect(rows.map(\.target) == ["0", "2"])
            #expect(rows.map(\.outcome) == ["refused: usage", "ok"])
        }
    }

    @Test func ownerCommandsAreAudited() async throws {
        try await BridgeHarness.with { h in
            await h.transport.setJoined(only: [BridgeHarness.channel], network: BridgeHarness.network)
            await asOwner(h, "!join #new")
            await asOwner(h, "!progress quarter")
            await asOwner(h, "!pending")
            await h.say("!join #evil", as: "mallory")
            let rows = try await h.store.recentAudit(limit: 4)
            #expect(rows.map { "\($0.command) \($0.target ?? "-") \($0.outcome)" }
                    == ["join #evil refused: for owners", "pending - ok", "progress #art quarter ok", "join #new ok"])
        }
    }
}
