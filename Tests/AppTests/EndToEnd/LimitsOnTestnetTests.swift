import App
import Bridge
import Foundation
import Synchronization
import Testing
import TestnetSupport

/// The limits seen by real IRC clients on the testnet (InspIRCd + Atheme), against the bot in
/// process with a clock the test moves: the pending cap, the cooldown, the daily quota across
/// a restart and a UTC midnight, the command rate limit and banned words.
@Suite(.serialized, .enabled(if: !Testnet.skipRequested, Testnet.skipReason), .testnet)
struct LimitsOnTestnetTests {
    /// Real time plus an offset the test sets: the bot's waits run in real time, the bridge
    /// (limits, deadlines) sees the shifted time — there is no other way to reach midnight in a
    /// test. `frozen` stops it between advances, so a 30 s window cannot run out on a slow machine.
    final class ShiftedClock: Sendable {
        private let offset: Mutex<TimeInterval>
        private let frozenAt: Date?
        init(offset: TimeInterval, frozen: Bool = false) {
            self.offset = Mutex(offset)
            frozenAt = frozen ? Date() : nil
        }
        func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
        var now: Date { (frozenAt ?? Date()).addingTimeInterval(offset.withLock { $0 }) }
        var bridgeClock: BridgeClock { BridgeClock(now: { [self] in now }, sleep: BridgeClock.system.sleep) }
    }

    @Test func pendingCapCooldownAndDailyQuotaAcrossARestartAndMidnight() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let user = try await harness.user()
        let me = await user.nick
        // An hour before the next UTC midnight, in the bot's eyes.
        let realNow = Date()
        let clock = ShiftedClock(offset: UTCDay(containing: realNow).end.addingTimeInterval(-3600).timeIntervalSince(realNow))
        let config = harness.configText(limits: """
            [limits]
            daily_jobs = 3
            pending_per_user = 1
            pending_per_channel = 0
            pending_total = 0
            cooldown_seconds = 600
            commands_per_30s = 0
            """)
        var bot = try await harness.startInProcess(config, clock: clock.bridgeClock)
        func say(_ text: String) async { await user.send("PRIVMSG \(harness.channel) :\(text)") }
        func imagine(_ prompt: String) async throws {
            await say("!imagine \(prompt)")
            _ = try await user.said(by: harness.nick, "the acknowledgement of \(prompt)") { $0.hasPrefix("\(me): ⏳") && $0.contains(prompt) }
            _ = try await user.said(by: harness.nick, "the result of \(prompt)") { $0.contains("✅") && $0.contains(prompt) }
        }
        do {
            _ = try await user.expect("the bot joining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }

            // Pending cap: the first job is held at 50 %, the second is refused.
            await harness.simulator.controls.stick(atPercent: 50)
            await say("!imagine one heron")
            _ = try await user.said(by: harness.nick, "the first acknowledgement") { $0.hasPrefix("\(me): ⏳") }
            await say("!imagine two herons")
            _ = try await user.said(by: harness.nick, "the pending cap") {
                $0 == "\(me): you have 1 job running; wait for one to finish."
            }
            await harness.simulator.controls.stick(atPercent: nil)
            _ = try await user.said(by: harness.nick, "the first result") { $0.contains("✅") && $0.contains("one heron") }

            // Cooldown: 600 s between submissions, told in minutes.
            await say("!imagine two herons")
            let cooldown = try await user.said(by: harness.nick, "the cooldown") { $0.hasPrefix("\(me): one job per 600 s: wait ") }
            #expect(cooldown.hasSuffix(" min before the next."), "\(cooldown)")
            clock.advance(by: 600)
            try await imagine("two herons")
            clock.advance(by: 600)
            try await imagine("three herons")

            // The quota: three a day; about half an hour to midnight.
            clock.advance(by: 600)
            await say("!imagine four herons")
            let daily = try await user.said(by: harness.nick, "the daily limit") { $0.contains("daily limit") }
            #expect(daily.hasPrefix("\(me): daily limit of 3 jobs reached; resets at 00:00 UTC (in "), "\(daily)")
            #expect(daily.hasSuffix(" min)."), "\(daily)")

            // A restart keeps the count.
            await bot.stop()
            _ = try await user.expect("the bot quitting") { $0.command == "QUIT" && $0.source?.nick == harness.nick }
            bot = try await harness.startInProcess(config, clock: clock.bridgeClock)
            _ = try await user.expect("the bot rejoining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            await say("!imagine four herons")
            _ = try await user.said(by: harness.nick, "the daily limit after the restart") {
                $0.hasPrefix("\(me): daily limit of 3 jobs reached; resets at 00:00 UTC")
            }
            await say("!quota")
            _ = try await user.said(by: harness.nick, "!quota after the restart") { $0.hasPrefix("\(me): 3 jobs of 3 used today;") }

            // Past midnight UTC: a new day, a new quota.
            clock.advance(by: 1800 + 60)
            try await imagine("four herons")
            await say("!quota")
            _ = try await user.said(by: harness.nick, "!quota on the new day") { $0.hasPrefix("\(me): 1 job of 3 used today;") }
        } catch {
            await bot.stop()
            await user.quit()
            await harness.cleanUp()
            throw error
        }
        await bot.stop()
        await user.quit()
        await harness.cleanUp()
    }

    @Test func aFloodIsIgnoredForAMinuteWithOneNoticeAndBannedWordsAreRefused() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let flooder = try await harness.user("flood")
        let other = try await harness.user("calm")
        // Test peers share user@host; an account makes the second one someone else.
        try await other.identify(account: net.userAccount, password: net.userPassword)
        let me = await flooder.nick
        let them = await other.nick
        let clock = ShiftedClock(offset: 0, frozen: true)
        let bot = try await harness.startInProcess(harness.configText(limits: """
            [limits]
            daily_jobs = 0
            pending_per_user = 0
            pending_per_channel = 0
            pending_total = 0
            cooldown_seconds = 0
            commands_per_30s = 4
            banned_words = ["ass", "hot dog"]
            """), clock: clock.bridgeClock)
        do {
            _ = try await flooder.expect("the bot joining") { $0.command == "JOIN" && $0.source?.nick == harness.nick }
            for _ in 0..<4 { await flooder.send("PRIVMSG \(harness.channel) :!ping") }
            for _ in 0..<4 {
                _ = try await flooder.said(by: harness.nick, "a pong") { $0 == "\(me): pong" }
            }
            // The fifth command in 30 s: one NOTICE, privately; then silence.
            for _ in 0..<4 { await flooder.send("PRIVMSG \(harness.channel) :!ping") }
            let notice = try await flooder.expect("the rate-limit notice") {
                $0.command == "NOTICE" && $0.source?.nick == harness.nick && $0.params.first == me
            }
            #expect(notice.params.last == "You're sending commands too fast (more than 4 in 30 s); I'll ignore you for 60 s.")
            // Someone else is still answered (and by then the flood has been read).
            await other.send("PRIVMSG \(harness.channel) :!ping")
            _ = try await other.said(by: harness.nick, "a pong for someone else") { $0 == "\(them): pong" }
            // A minute later (in the bot's eyes) the flooder is heard again; a banned word
            // (fullwidth, NFKC) is refused without being repeated.
            clock.advance(by: 61)
            await flooder.send("PRIVMSG \(harness.channel) :!imagine a fullwidth Ａss")
            _ = try await flooder.said(by: harness.nick, "the banned-word refusal") {
                $0 == "\(me): that prompt contains a word that isn't allowed here."
            }
            await flooder.send("PRIVMSG \(harness.channel) :!ping")
            _ = try await flooder.said(by: harness.nick, "a pong after the penalty") { $0 == "\(me): pong" }
            let fromBot = await flooder.lines().filter { $0.hasPrefix(":\(harness.nick)!") && ($0.contains(" PRIVMSG ") || $0.contains(" NOTICE ")) }
            #expect(fromBot.filter { $0.hasSuffix(":\(me): pong") }.count == 5, "\(fromBot)")
            #expect(fromBot.filter { $0.contains(" NOTICE \(me) ") }.count == 1, "\(fromBot)")
        } catch {
            await bot.stop()
            await flooder.quit()
            await other.quit()
            await harness.cleanUp()
            throw error
        }
        await bot.stop()
        await flooder.quit()
        await other.quit()
        await harness.cleanUp()
    }

    /// `pending_per_channel` and `pending_total`, with jobs held running by the simulator: a
    /// second identified user is refused in the channel another user's job fills, is accepted
    /// in private (no channel cap there), and then fills the bot's total, so the first user's
    /// private job is refused too. An owner (`admins_exempt`, the default) is refused by
    /// neither; once the jobs finish, the channel takes jobs again.
    @Test func pendingPerChannelPendingTotalAndAdminsExempt() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let first = try await harness.user("one")
        var peers = [first]
        let running: RunningBot
        do {
            let second = try await harness.user("two")
            peers.append(second)
            // Test peers share user@host; an account makes each of these someone else.
            try await second.identify(account: net.userAccount, password: net.userPassword)
            let owner = try await harness.user("own")
            peers.append(owner)
            try await owner.identify(account: net.ownerAccount, password: net.ownerPassword)
            let config = harness.configText(limits: """
                [limits]
                daily_jobs = 0
                pending_per_user = 0
                pending_per_channel = 1
                pending_total = 2
                cooldown_seconds = 0
                commands_per_30s = 0
                admins_exempt = true
                """)
            let configured = "owners = [\"\(net.botAccount)-owner\"]"
            #expect(config.contains(configured))
            running = try await harness.startInProcess(config.replacingOccurrences(of: configured, with: "owners = [\"\(net.ownerAccount)\"]"))
        } catch {
            for peer in peers { await peer.quit() }
            await harness.cleanUp()
            throw error
        }
        do {
            let (second, owner) = (peers[1], peers[2])
            let bot = harness.nick, chan = harness.channel
            let one = await first.nick, two = await second.nick, own = await owner.nick
            _ = try await first.expect("the bot joining") { $0.command == "JOIN" && $0.source?.nick == bot }
            await harness.simulator.controls.stick(atPercent: 50)

            await first.send("PRIVMSG \(chan) :!imagine one heron")
            _ = try await first.said(by: bot, "the first acknowledgement") { $0.hasPrefix("\(one): ⏳") && $0.contains("one heron") }
            // The channel is full: someone else is refused there...
            await second.send("PRIVMSG \(chan) :!imagine two herons")
            _ = try await second.said(by: bot, "the channel cap") { $0 == "\(two): this channel has 1 job running; wait for one to finish." }
            // ...but not in private, where no channel cap applies; that fills the total of 2.
            await second.send("PRIVMSG \(bot) :imagine two herons")
            _ = try await second.said(by: bot, "the private acknowledgement") { $0.contains("⏳") && $0.contains("two herons") }
            await first.send("PRIVMSG \(bot) :imagine three herons")
            _ = try await first.said(by: bot, "the total cap") { $0.hasSuffix("I have 2 jobs running, my maximum; try again when one finishes.") }

            // An owner is exempt: accepted in the full channel, over the total.
            await owner.send("PRIVMSG \(chan) :!imagine an owner heron")
            _ = try await owner.said(by: bot, "the owner's acknowledgement") { $0.hasPrefix("\(own): ⏳") && $0.contains("owner heron") }

            // Released: every held job is delivered, and the channel takes jobs again.
            await harness.simulator.controls.stick(atPercent: nil)
            _ = try await first.said(by: bot, "the first result") { $0.contains("✅") && $0.contains("one heron") }
            _ = try await second.said(by: bot, "the private result") { $0.contains("✅") && $0.contains("two herons") }
            _ = try await owner.said(by: bot, "the owner's result") { $0.contains("✅") && $0.contains("owner heron") }
            await second.send("PRIVMSG \(chan) :!imagine two herons again")
            _ = try await second.said(by: bot, "accepted once the channel is free") { $0.hasPrefix("\(two): ⏳") && $0.contains("two herons again") }
            _ = try await second.said(by: bot, "its result") { $0.contains("✅") && $0.contains("two herons again") }

            // Refused jobs never reached the proxy: three held jobs plus the last one.
            #expect(await harness.simulator.controls.stats().tasksCreated == 4)
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
}
