import App
import Foundation
import Store
import Testing
import TestnetSupport

/// Who may run which admin command, decided on the real network (InspIRCd + Atheme, with
/// account-tag, extended-join and account-notify): an ordinary user; the owner by account
/// under another nick; someone wearing the owner's nick without the account; an admin added
/// from chat, who logs out mid-session and is later removed; a hostmask owner. Every attempt
/// is checked in the bot's audit table.
@Suite(.serialized, .enabled(if: !Testnet.skipRequested, Testnet.skipReason), .testnet)
struct AuthorizationMatrixOnTestnetTests {
    @Test func everyRoleIsAllowedOrRefusedAsSpecifiedAndAudited() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let maskOwnerNick = uniqueName("hmo")
        var config = AdminOnTestnetTests.ownerConfig(harness)
        config = config.replacingOccurrences(of: "quit_message = \"e2e bye\"",
                                             with: "quit_message = \"e2e bye\"\nowner_masks = [\"\(maskOwnerNick)!*@*\"]")
        // The user is in the channel first, so it sees the bot join.
        let user = try await harness.user("usr")
        var peers: [TestPeer] = [user]
        let running: RunningBot
        do {
            running = try await harness.startInProcess(config)
        } catch {
            await user.quit()
            await harness.cleanUp()
            throw error
        }
        do {
            let chan = harness.channel
            let bot = harness.nick
            _ = try await user.expect("the bot joining") { $0.command == "JOIN" && $0.source?.nick == bot }
            let u = await user.nick

            // An ordinary user: refused with one sentence each, and !help does not list them.
            await user.send("PRIVMSG \(chan) :!pause")
            _ = try await user.said(by: bot, "pause refused") { $0 == "\(u): !pause is for the bot's admins." }
            await user.send("PRIVMSG \(chan) :!admin add \(net.userAccount)")
            _ = try await user.said(by: bot, "admin refused") { $0 == "\(u): !admin is for the bot's owners." }
            await user.send("PRIVMSG \(chan) :!help")
            let help = try await user.said(by: bot, "help") { $0.hasPrefix("\(u): Commands:") }
            #expect(!help.contains("pause") && !help.contains("audit") && !help.contains("admins"), "\(help)")

            // The owner by account, then under another nick; an impostor takes the first nick.
            let owner = try await harness.user("own")
            peers.append(owner)
            let firstNick = await owner.nick
            try await owner.identify(account: net.ownerAccount, password: net.ownerPassword)
            let ownerNick = uniqueName("own")
            await owner.send("NICK \(ownerNick)")
            _ = try await owner.expect("own nick change") { $0.command == "NICK" && $0.params.first == ownerNick }
            let impostor = try await TestPeer.connect(to: net)
            peers.append(impostor)
            try await impostor.register(nick: firstNick)
            await impostor.send("JOIN \(chan)")
            _ = try await impostor.expect("own JOIN") { $0.command == "JOIN" && $0.source?.nick == firstNick }
            await impostor.send("PRIVMSG \(chan) :!admin add \(net.userAccount)")
            _ = try await impostor.said(by: bot, "impostor refused") { $0 == "\(firstNick): !admin is for the bot's owners." }
            await impostor.send("PRIVMSG \(chan) :!ignore \(u)!*@*")
            _ = try await impostor.said(by: bot, "impostor refused") { $0 == "\(firstNick): !ignore is for the bot's admins." }

            await owner.send("PRIVMSG \(chan) :!admin add \(net.userAccount)")
            _ = try await owner.said(by: bot, "admin added") {
                $0 == "\(ownerNick): \(net.userAccount) is now an admin (when logged in to that account)."
            }

            // The admin, logged in: pause, a refused job, resume; owners-only still refused.
            let admin = try await harness.user("adm")
            peers.append(admin)
            let a = await admin.nick
            await admin.send("PRIVMSG \(chan) :!pause")
            _ = try await admin.said(by: bot, "not yet logged in") { $0 == "\(a): !pause is for the bot's admins." }
            try await admin.identify(account: net.userAccount, password: net.userPassword)
            await admin.send("PRIVMSG \(chan) :!pause lunch break")
            _ = try await admin.said(by: bot, "paused") {
                $0 == "\(a): New jobs are paused in \(chan) (\"lunch break\"); running jobs still finish. !resume \(chan) lifts it."
            }
            await user.send("PRIVMSG \(chan) :!imagine a heron")
            _ = try await user.said(by: bot, "job refused") { $0 == "\(u): New jobs are paused in \(chan): lunch break" }
            await admin.send("PRIVMSG \(chan) :!resume")
            _ = try await admin.said(by: bot, "resumed") { $0 == "\(a): New jobs are welcome again in \(chan)." }
            await admin.send("PRIVMSG \(chan) :!admins")
            _ = try await admin.said(by: bot, "admins refused") { $0 == "\(a): !admins is for the bot's owners." }

            // Ignore by mask: the user gets no answer at all until unignored.
            await admin.send("PRIVMSG \(chan) :!ignore \(u)!*@* testing")
            _ = try await admin.said(by: bot, "ignoring") { $0 == "\(a): Ignoring \(u)!*@* (testing). Owners matching it are still answered." }
            await user.send("PRIVMSG \(chan) :!ping")
            await admin.send("PRIVMSG \(chan) :!ping")
            _ = try await admin.said(by: bot, "pong for the admin") { $0 == "\(a): pong" }
            #expect(!(await user.lines().contains { $0.contains(":\(u): pong") }), "the ignored user got an answer")
            await admin.send("PRIVMSG \(chan) :!unignore \(u)!*@*")
            _ = try await admin.said(by: bot, "unignored") { $0 == "\(a): No longer ignoring \(u)!*@*." }
            await user.send("PRIVMSG \(chan) :!ping")
            _ = try await user.said(by: bot, "pong again") { $0 == "\(u): pong" }

            // The admin logs out mid-session (account-notify): refused from then on.
            await admin.send("PRIVMSG NickServ :LOGOUT")
            _ = try await admin.expect("901 logged out") { $0.command == "901" }
            await admin.send("PRIVMSG \(chan) :!pause")
            _ = try await admin.said(by: bot, "refused after logout") { $0 == "\(a): !pause is for the bot's admins." }

            // Logged in again, then removed by the owner: refused.
            try await admin.identify(account: net.userAccount, password: net.userPassword)
            await admin.send("PRIVMSG \(chan) :!ignored")
            _ = try await admin.said(by: bot, "admin again") { $0 == "\(a): Nobody is ignored." }
            await owner.send("PRIVMSG \(chan) :!admin remove \(net.userAccount)")
            _ = try await owner.said(by: bot, "removed") { $0 == "\(ownerNick): \(net.userAccount) is no longer an admin." }
            await admin.send("PRIVMSG \(chan) :!ignored")
            _ = try await admin.said(by: bot, "refused after removal") { $0 == "\(a): !ignored is for the bot's admins." }

            // A hostmask owner, without any account.
            let maskOwner = try await TestPeer.connect(to: net)
            peers.append(maskOwner)
            try await maskOwner.register(nick: maskOwnerNick)
            await maskOwner.send("JOIN \(chan)")
            _ = try await maskOwner.expect("own JOIN") { $0.command == "JOIN" && $0.source?.nick == maskOwnerNick }
            await maskOwner.send("PRIVMSG \(chan) :!admins")
            _ = try await maskOwner.said(by: bot, "admins for the mask owner") {
                $0 == "\(maskOwnerNick): Owners: \(net.ownerAccount) (and masks \(maskOwnerNick)!*@*) · no admins."
            }
            await maskOwner.send("PRIVMSG \(chan) :!pause all")
            _ = try await maskOwner.said(by: bot, "paused everywhere") { $0.hasPrefix("\(maskOwnerNick): New jobs are paused everywhere") }
            await maskOwner.send("PRIVMSG \(chan) :!resume all")
            _ = try await maskOwner.said(by: bot, "resumed everywhere") { $0 == "\(maskOwnerNick): Every pause is lifted; new jobs are welcome again." }
            await maskOwner.send("PRIVMSG \(chan) :!audit 2")
            _ = try await maskOwner.said(by: bot, "audit line") {
                $0.hasPrefix("\(maskOwnerNick): #") && $0.contains("UTC \(maskOwnerNick)!") && $0.hasSuffix(": resume all → ok")
            }

            // Every attempt above is in the audit table, allowed or not, with who and outcome.
            let store = try Store.open(path: harness.directory.appendingPathComponent("bot.sqlite").path)
            let rows = try await store.recentAudit(limit: 100).reversed()
            let seen = rows.map { row in
                "\(row.account ?? "-") \(row.mask.split(separator: "!").first ?? "") \(row.command) \(row.target ?? "-") \(row.outcome)"
            }
            let ua = net.userAccount
            let expected = [
                "- \(u) pause - refused: for admins",
                "- \(u) admin add \(ua) refused: for owners",
                "- \(firstNick) admin add \(ua) refused: for owners",
                "- \(firstNick) ignore \(u)!*@* refused: for admins",
                "\(net.ownerAccount) \(ownerNick) admin add \(ua) ok",
                "- \(a) pause - refused: for admins",
                "\(ua) \(a) pause \(chan) ok",
                "\(ua) \(a) resume \(chan) ok",
                "\(ua) \(a) admins - refused: for owners",
                "\(ua) \(a) ignore \(u)!*@* ok",
                "\(ua) \(a) unignore \(u)!*@* ok",
                "- \(a) pause - refused: for admins",
                "\(ua) \(a) ignored - ok",
                "\(net.ownerAccount) \(ownerNick) admin remove \(ua) ok",
                "\(ua) \(a) ignored - refused: for admins",
                "- \(maskOwnerNick) admins - ok",
                "- \(maskOwnerNick) pause all ok",
                "- \(maskOwnerNick) resume all ok",
                "- \(maskOwnerNick) audit 2 ok",
            ]
            #expect(Array(seen) == expected)
            #expect(rows.allSatisfy { $0.mask.contains("!") && $0.mask.contains("@") && $0.channel == chan }, "\(rows)")
        } catch {
            await running.stop()
            for peer in peers { await peer.quit() }
            await harness.cleanUp()
            throw error
        }
        await running.stop()
        for peer in peers { await peer.quit() }
        await harness.cleanUp()
    }

    /// `require_account = true`: a guest is told how to identify; once logged in, the same
    /// person's job is accepted; queries are never refused.
    @Test func requireAccountLetsOnlyIdentifiedUsersStartJobs() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let config = harness.configText().replacingOccurrences(of: "quit_message = \"e2e bye\"",
                                                               with: "quit_message = \"e2e bye\"\nrequire_account = true")
        let guest = try await harness.user("gst")
        let running: RunningBot
        do {
            running = try await harness.startInProcess(config)
        } catch {
            await guest.quit()
            await harness.cleanUp()
            throw error
        }
        do {
            let chan = harness.channel, bot = harness.nick, g = await guest.nick
            _ = try await guest.expect("the bot joining") { $0.command == "JOIN" && $0.source?.nick == bot }
            await guest.send("PRIVMSG \(chan) :!imagine a lighthouse")
            _ = try await guest.said(by: bot, "the sentence") {
                $0 == "\(g): only users logged in to a services account can start jobs here: log in (e.g. /msg NickServ IDENTIFY <account> <password>, or SASL) and try again."
            }
            await guest.send("PRIVMSG \(chan) :!tasks")
            _ = try await guest.said(by: bot, "tasks answered") { $0 == "\(g): You have no tasks here yet." }
            try await guest.identify(account: net.userAccount, password: net.userPassword)
            await guest.send("PRIVMSG \(chan) :!imagine a lighthouse")
            _ = try await guest.said(by: bot, "the acknowledgement") { $0.hasPrefix("\(g): ") && $0.contains("ref ") }
        } catch {
            await running.stop()
            await guest.quit()
            await harness.cleanUp()
            throw error
        }
        await running.stop()
        await guest.quit()
        await harness.cleanUp()
    }
}
