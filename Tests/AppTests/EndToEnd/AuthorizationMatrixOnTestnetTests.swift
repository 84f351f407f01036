import App
import Foundation
import Store
import Testing
import TestnetSupport

/// Who may run which admin command, decided on the real network (InspIRCd + Atheme, with
/// account-tag, extended-join and account-notify): an ordinary user; the owner by account
/// under another nick; someone wearing the owner's nick without the account; an admin added
/// from chat, who logs out mid-session and is later removed; a hostmask owner. Every attempt
/// is checked in the bot's audit table. Besides the admin commands proper: `!quota <user> n`
/// (admins), `!cancel` of someone else's running task (admins), `!stats` (admins) and
/// `!reload` (owners; the file is unchanged, so "nothing changed").
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
            // Started with its config path, so `!reload` re-reads the same bot.conf.
            let path = try harness.writeConfig(config)
            running = try await ReloadOnTestnetTests.startReloadable(harness, path: path)
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

            // A finished job, so the bot knows who `u` is when an admin names them in !quota.
            await user.send("PRIVMSG \(chan) :!imagine a quick heron")
            _ = try await user.said(by: bot, "the quick job's result") { $0.contains("✅") && $0.contains("quick heron") }

            // An ordinary user: refused with one sentence each, and !help does not list them.
            await user.send("PRIVMSG \(chan) :!pause")
            _ = try await user.said(by: bot, "pause refused") { $0 == "\(u): !pause is for the bot's admins." }
            await user.send("PRIVMSG \(chan) :!admin add \(net.userAccount)")
            _ = try await user.said(by: bot, "admin refused") { $0 == "\(u): !admin is for the bot's owners." }
            await user.send("PRIVMSG \(chan) :!help")
            let help = try await user.said(by: bot, "help") { $0.hasPrefix("\(u): Commands:") }
            #expect(!help.contains("pause") && !help.contains("audit") && !help.contains("admins"), "\(help)")
            #expect(!help.contains("stats") && !help.contains("reload"), "\(help)")
            await user.send("PRIVMSG \(chan) :!quota \(u) 5")
            _ = try await user.said(by: bot, "quota refused") { $0.hasPrefix("\(u): ") && $0.contains("admins") }
            await user.send("PRIVMSG \(chan) :!stats")
            _ = try await user.said(by: bot, "stats refused") { $0 == "\(u): !stats is for the bot's admins." }
            await user.send("PRIVMSG \(chan) :!reload")
            _ = try await user.said(by: bot, "reload refused") { $0 == "\(u): !reload is for the bot's owners." }

            // The owner by account, then under another nick; an impostor takes the first nick.
            let owner = try await harness.user("own")
            peers.append(owner)
            let firstNick = await owner.nick
            try await owner.identify(account: net.ownerAccount, password: net.ownerPassword)
            let ownerNick = uniqueName("own")
            await owner.send("NICK \(ownerNick)")
            _ = try await owner.expect("own nick change") { $0.command == "NICK" && $0.params.first == ownerNick }

            // The owner's job, held running at 50 % until an admin cancels it.
            await harness.simulator.controls.stick(atPercent: 50)
            await owner.send("PRIVMSG \(chan) :!imagine a stuck heron")
            let ack = try await owner.said(by: bot, "the stuck job's acknowledgement") {
                $0.hasPrefix("\(ownerNick): ") && $0.contains("stuck heron") && $0.contains("ref ")
            }
            let ref = try #require(BotOnTestnetTests.reference(in: ack), "\(ack)")
            let notYours = "Only the one who started ref \(ref) (or an admin) can cancel it."
            await user.send("PRIVMSG \(chan) :!cancel \(ref)")
            _ = try await user.said(by: bot, "the user's cancel refused") { $0 == "\(u): \(notYours)" }
            await owner.send("PRIVMSG \(chan) :!stats")
            _ = try await owner.said(by: bot, "the owner's stats") {
                $0.hasPrefix("\(ownerNick): Today (UTC): 2 submitted, 1 succeeded, ") && $0.contains("; 1 pending now;")
            }
            await owner.send("PRIVMSG \(chan) :!reload")
            _ = try await owner.said(by: bot, "the owner's reload") { $0 == "\(ownerNick): Reloaded bot.conf: nothing changed." }
            let impostor = try await TestPeer.connect(to: net)
            peers.append(impostor)
            try await impostor.register(nick: firstNick)
            await impostor.send("JOIN \(chan)")
            _ = try await impostor.expect("own JOIN") { $0.command == "JOIN" && $0.source?.nick == firstNick }
            await impostor.send("PRIVMSG \(chan) :!admin add \(net.userAccount)")
            _ = try await impostor.said(by: bot, "impostor refused") { $0 == "\(firstNick): !admin is for the bot's owners." }
            await impostor.send("PRIVMSG \(chan) :!ignore \(u)!*@*")
            _ = try await impostor.said(by: bot, "impostor refused") { $0 == "\(firstNick): !ignore is for the bot's admins." }
            await impostor.send("PRIVMSG \(chan) :!cancel \(ref)")
            _ = try await impostor.said(by: bot, "the impostor's cancel refused") { $0 == "\(firstNick): \(notYours)" }
            await impostor.send("PRIVMSG \(chan) :!reload")
            _ = try await impostor.said(by: bot, "the impostor's reload refused") { $0 == "\(firstNick): !reload is for the bot's owners." }

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
            await admin.send("PRIVMSG \(chan) :!quota \(u) 5")
            _ = try await admin.said(by: bot, "quota set") { $0.hasPrefix("\(a): \(u)'s limit today is 5 jobs") }
            await user.send("PRIVMSG \(chan) :!quota")
            _ = try await user.said(by: bot, "the user's new quota") { $0.hasPrefix("\(u): 1 job of 5 used today (today only);") }

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
            await admin.send("PRIVMSG \(chan) :!quota \(u) 5")
            _ = try await admin.said(by: bot, "quota refused after logout") { $0.hasPrefix("\(a): ") && $0.contains("admins") }
            await admin.send("PRIVMSG \(chan) :!stats")
            _ = try await admin.said(by: bot, "stats refused after logout") { $0 == "\(a): !stats is for the bot's admins." }
            await admin.send("PRIVMSG \(chan) :!cancel \(ref)")
            _ = try await admin.said(by: bot, "cancel refused after logout") { $0 == "\(a): \(notYours)" }

            // Logged in again, then removed by the owner: refused.
            try await admin.identify(account: net.userAccount, password: net.userPassword)
            await admin.send("PRIVMSG \(chan) :!ignored")
            _ = try await admin.said(by: bot, "admin again") { $0 == "\(a): Nobody is ignored." }
            await admin.send("PRIVMSG \(chan) :!cancel \(ref)")
            _ = try await admin.said(by: bot, "the admin's cancel") { $0 == "\(a): Cancelling ref \(ref)." }
            _ = try await owner.said(by: bot, "the cancelled result") { $0.contains("ref \(ref)") && ($0.contains("❌") || $0.contains("🚫")) }
            await harness.simulator.controls.stick(atPercent: nil)
            await admin.send("PRIVMSG \(chan) :!stats")
            _ = try await admin.said(by: bot, "the admin's stats") {
                $0.hasPrefix("\(a): Today (UTC): 2 submitted, 1 succeeded, ") && $0.contains("; 0 pending now;")
            }
            await owner.send("PRIVMSG \(chan) :!admin remove \(net.userAccount)")
            _ = try await owner.said(by: bot, "removed") { $0 == "\(ownerNick): \(net.userAccount) is no longer an admin." }
            await admin.send("PRIVMSG \(chan) :!ignored")
            _ = try await admin.said(by: bot, "refused after removal") { $0 == "\(a): !ignored is for the bot's admins." }
            await admin.send("PRIVMSG \(chan) :!quota \(u) 5")
            _ = try await admin.said(by: bot, "quota refused after removal") { $0.hasPrefix("\(a): ") && $0.contains("admins") }
            await admin.send("PRIVMSG \(chan) :!stats")
            _ = try await admin.said(by: bot, "stats refused after removal") { $0 == "\(a): !stats is for the bot's admins." }
            await admin.send("PRIVMSG \(chan) :!cancel \(ref)")
            _ = try await admin.said(by: bot, "cancel refused after removal") { $0 == "\(a): \(notYours)" }

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
            await maskOwner.send("PRIVMSG \(chan) :!reload")
            _ = try await maskOwner.said(by: bot, "the mask owner's reload") { $0 == "\(maskOwnerNick): Reloaded bot.conf: nothing changed." }
            await maskOwner.send("PRIVMSG \(chan) :!stats")
            _ = try await maskOwner.said(by: bot, "the mask owner's stats") { $0.hasPrefix("\(maskOwnerNick): Today (UTC): 2 submitted, ") }

            // Every attempt above is in the audit table, allowed or not, with who and outcome.
            let store = try SQLiteStore.open(path: harness.directory.appendingPathComponent("bot.sqlite").path)
            let rows = try await store.recentAudit(limit: 100).reversed()
            // The quota target is the user's `*!user@host` key (shown to work by their !quota
            // above); the cancel target is the full task id, whose tail is the ref.
            let cancelled = rows.filter { $0.command == "cancel" }.compactMap(\.target)
            #expect(cancelled.count == 1 && cancelled.allSatisfy { $0.prefix { $0.isNumber }.hasSuffix(ref) }, "\(cancelled)")
            let seen = rows.filter { row in
                // Not compared: a refused !cancel of someone else's task is an ordinary command
                // answered "only the one who started it", not an admin action.
                !(row.command == "cancel" && row.outcome != "allowed")
            }.map { row in
                var target = row.target ?? "-"
                if row.command == "quota", target.hasPrefix("*!") { target = "<user key>" }
                if row.command == "cancel", let of = target.range(of: " of ") { target = "<id>" + target[of.lowerBound...] }
                return "\(row.account ?? "-") \(row.mask.split(separator: "!").first ?? "") \(row.command) \(target) \(row.outcome)"
            }
            let ua = net.userAccount
            let oa = net.ownerAccount
            let nothingChanged = "Reloaded bot.conf: nothing changed. ok"
            let expected = [
                "- \(u) pause - refused: for admins",
                "- \(u) admin add \(ua) refused: for owners",
                "- \(u) quota \(u) 5 refused: for admins",
                "- \(u) stats - refused: for admins",
                "- \(u) reload - refused: for owners",
                "\(oa) \(ownerNick) stats - ok",
                "\(oa) \(ownerNick) reload \(nothingChanged)",
                "- \(firstNick) admin add \(ua) refused: for owners",
                "- \(firstNick) ignore \(u)!*@* refused: for admins",
                "- \(firstNick) reload - refused: for owners",
                "\(oa) \(ownerNick) admin add \(ua) ok",
                "- \(a) pause - refused: for admins",
                "\(ua) \(a) pause \(chan) ok",
                "\(ua) \(a) resume \(chan) ok",
                "\(ua) \(a) admins - refused: for owners",
                "\(ua) \(a) quota <user key> \(u)'s limit today is 5 jobs; it goes back to their usual one at 00:00 UTC.",
                "\(ua) \(a) ignore \(u)!*@* ok",
                "\(ua) \(a) unignore \(u)!*@* ok",
                "- \(a) pause - refused: for admins",
                "- \(a) quota \(u) 5 refused: for admins",
                "- \(a) stats - refused: for admins",
                "\(ua) \(a) ignored - ok",
                "\(ua) \(a) cancel <id> of \(oa) allowed",
                "\(ua) \(a) stats - ok",
                "\(oa) \(ownerNick) admin remove \(ua) ok",
                "\(ua) \(a) ignored - refused: for admins",
                "\(ua) \(a) quota \(u) 5 refused: for admins",
                "\(ua) \(a) stats - refused: for admins",
                "- \(maskOwnerNick) admins - ok",
                "- \(maskOwnerNick) pause all ok",
                "- \(maskOwnerNick) resume all ok",
                "- \(maskOwnerNick) audit 2 ok",
                "- \(maskOwnerNick) reload \(nothingChanged)",
                "- \(maskOwnerNick) stats - ok",
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
