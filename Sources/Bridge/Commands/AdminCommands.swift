import Foundation
import IRC
import Store

/// Commands for the bot's admins (and owners): pausing new jobs, ignoring pests, managing
/// admins (owners only) and reading the audit log. Every run — allowed, refused or failed —
/// is written to the audit log.
public enum AdminCommands {
    public static let pause = CommandSpec(
        name: "pause", usage: "[#channel|all] [message]",
        summary: "Refuses new jobs in a channel (default: this one; in private: everywhere) or everywhere, with your message; running jobs still finish.",
        examples: ["pause", "pause all back after maintenance", "pause #art too busy, try later"], minimumRole: .admin)
    public static let resume = CommandSpec(
        name: "resume", usage: "[#channel|all]",
        summary: "Takes new jobs again (default: this channel; in private: lifts the global pause; all: every pause).",
        examples: ["resume", "resume all"], minimumRole: .admin)
    public static let ignore = CommandSpec(
        name: "ignore", usage: "<account|nick!user@host> [reason]",
        summary: "Has the bot ignore an account or a hostmask (* and ? allowed) entirely; owners cannot be ignored.",
        examples: ["ignore spammer flooding", "ignore *!*@203.0.113.*"], minimumRole: .admin)
    public static let unignore = CommandSpec(
        name: "unignore", usage: "<account|nick!user@host>",
        summary: "Answers an ignored account or hostmask again.", examples: ["unignore spammer"], minimumRole: .admin)
    public static let ignored = CommandSpec(
        name: "ignored", summary: "Lists the ignored accounts and hostmasks.", examples: ["ignored"], minimumRole: .admin)
    public static let audit = CommandSpec(
        name: "audit", usage: "[n]", summary: "Shows the last n admin actions (default 5, at most 20), newest first.",
        examples: ["audit", "audit 10"], minimumRole: .admin)
    public static let admin = CommandSpec(
        name: "admin", usage: "add|remove <account>",
        summary: "Makes a services account an admin, or no longer one; kept across restarts.",
        examples: ["admin add bob", "admin remove bob"], minimumRole: .owner)
    public static let admins = CommandSpec(
        name: "admins", summary: "Lists the owners and the admins.", examples: ["admins"], minimumRole: .owner)

    public static let all = [pause, resume, ignore, unignore, ignored, audit, admin, admins]

    /// How many audit rows `!audit` shows at most (each is a chat line).
    public static let auditMaximum = 20
}

extension CommandContext {
    /// Who is acting, as the audit log and the stored rows name them: the account, else the mask.
    var actor: String { event.accountVerified ? (event.account ?? UserIdentity.mask(of: event)) : UserIdentity.mask(of: event) }

    /// Writes one row to the audit log for this command. Other commands with admin powers
    /// (`!quota`, `!reload`) call it too. `command` defaults to the command's name.
    func audit(_ outcome: String, target: String? = nil, command: String? = nil) async {
        await bridge.audit(event: event, command: command ?? invocation.spec.name, target: target, outcome: outcome)
    }

    /// Answers and audits in one go.
    func answer(_ text: String, outcome: String, target: String?, command: String? = nil) async {
        await audit(outcome, target: target, command: command)
        await reply(text)
    }

    // MARK: Pause

    /// The channel a `!pause`/`!resume` names: `#chan`, `all` (nil channel, `all` true), or
    /// none given (this channel; everywhere in private). The rest is the message.
    private func pauseScope() -> (channel: String?, all: Bool, rest: [String], valid: Bool) {
        var rest = words
        if let first = rest.first {
            if first.lowercased() == "all" {
                rest.removeFirst()
                return (nil, true, rest, true)
            }
            if ChannelName.looksLikeChannel(first) {
                rest.removeFirst()
                return (first, false, rest, ChannelName.isValid(first))
            }
        }
        if let here = event.target.channelName { return (here, false, rest, true) }
        return (nil, true, rest, true)
    }

    func pauseJobs() async {
        let scope = pauseScope()
        guard scope.valid else {
            await audit("refused: bad arguments")
            return await usage()
        }
        let message = ChatText.truncated(ChatText.wireSafe(scope.rest.joined(separator: " ")), to: 200)
        let pause = PauseSetting(network: event.network, channel: scope.channel, message: message.isEmpty ? nil : message,
                                 pausedBy: actor, pausedAt: bridge.clock.now())
        let target = scope.channel ?? "all"
        do {
            try await bridge.roster.setPause(pause)
        } catch {
            await audit("failed: store", target: target)
            return await storeFailed(error)
        }
        let place = scope.channel.map { "in \($0)" } ?? "everywhere"
        await answer("New jobs are paused \(place)\(message.isEmpty ? "" : " (\"\(message)\")"); running jobs still finish. \(prefix)resume\(scope.channel.map { " \($0)" } ?? " all") lifts it.",
                     outcome: "ok", target: target)
    }

    func resumeJobs() async {
        let scope = pauseScope()
        guard scope.valid, scope.rest.isEmpty else {
            await audit("refused: bad arguments")
            return await usage()
        }
        let target = scope.channel ?? "all"
        do {
            if scope.channel == nil, words.first?.lowercased() == "all" {
                let count = try await bridge.roster.removeAllPauses()
                return await answer(count == 0 ? "Nothing was paused." : "Every pause is lifted; new jobs are welcome again.",
                                    outcome: count == 0 ? "no change" : "ok", target: target)
            }
            let removed = try await bridge.roster.removePause(network: event.network, channel: scope.channel)
            let place = scope.channel.map { "in \($0)" } ?? "everywhere"
            guard removed else {
                var text = "New jobs were not paused \(place)."
                if let channel = scope.channel, await bridge.roster.pause(network: event.network, channel: channel) != nil {
                    text += " A pause for all channels holds: \(prefix)resume all lifts it."
                }
                return await answer(text, outcome: "no change", target: target)
            }
            await answer("New jobs are welcome again \(place).", outcome: "ok", target: target)
        } catch {
            await audit("failed: store", target: target)
            await storeFailed(error)
        }
    }

    // MARK: Ignore

    func ignoreSender() async {
        guard let word = words.first, let entry = RoleResolver.Entry(word) else {
            await audit("refused: bad arguments")
            return await usage()
        }
        let reason = ChatText.truncated(ChatText.wireSafe(words.dropFirst().joined(separator: " ")), to: 200)
        // Owners can never be ignored; say so instead of storing an entry that would not apply.
        let resolver = await bridge.roster.resolver(network: event.network)
        if case .account(let account) = entry, RoleResolver.contains(resolver.ownerAccounts, account) {
            return await answer("\(account) is an owner; owners cannot be ignored.", outcome: "refused: owner", target: entry.text)
        }
        // A mask that matches the one giving it (`*!*@*`, their own host) would silence them
        // and likely everyone: refuse it rather than lock the admins out.
        if case .mask(let pattern) = entry, let userHost = event.userHost,
           pattern.matches(nick: event.sender, userHost: userHost, caseMapping: event.caseMapping) {
            return await answer("\(entry.text) matches you too; give a narrower mask.", outcome: "refused: matches the sender",
                                target: entry.text)
        }
        let stored = IgnoreEntry(key: entry.key, value: entry.text, reason: reason.isEmpty ? nil : reason, addedBy: actor,
                                 addedAt: bridge.clock.now())
        do {
            let added = try await bridge.roster.addIgnore(stored)
            let what = added ? "Ignoring \(entry.text)" : "Still ignoring \(entry.text) (reason updated)"
            var text = what + (reason.isEmpty ? "." : " (\(reason)).")
            if case .mask = entry { text += " Owners matching it are still answered." }
            await answer(text, outcome: added ? "ok" : "updated", target: entry.text)
        } catch {
            await audit("failed: store", target: entry.text)
            await storeFailed(error)
        }
    }

    func unignoreSender() async {
        guard words.count == 1, let entry = RoleResolver.Entry(words[0]) else {
            await audit("refused: bad arguments")
            return await usage()
        }
        do {
            let removed = try await bridge.roster.removeIgnore(key: entry.key)
            await answer(removed ? "No longer ignoring \(entry.text)." : "\(entry.text) was not ignored (\(prefix)ignored lists who is).",
                         outcome: removed ? "ok" : "no change", target: entry.text)
        } catch {
            await audit("failed: store", target: entry.text)
            await storeFailed(error)
        }
    }

    func listIgnored() async {
        guard words.isEmpty else { return await usage() }
        let entries = await bridge.roster.ignoreList()
        await audit("ok")
        guard !entries.isEmpty else { return await reply("Nobody is ignored.") }
        let shown = entries.prefix(15).map { entry in
            "\(entry.value) (\(entry.reason.map { "\($0), " } ?? "")by \(entry.addedBy) \(Self.day(entry.addedAt)))"
        }
        await reply("Ignored: " + shown.joined(separator: "; ") + (entries.count > 15 ? "; and \(entries.count - 15) more." : "."))
    }

    // MARK: Admins

    func adminChange() async {
        guard words.count == 2, ["add", "remove", "del", "rm"].contains(words[0].lowercased()),
              case .account(let account)? = RoleResolver.Entry(words[1]) else {
            await audit("refused: bad arguments", command: "admin")
            return await usage()
        }
        let adding = words[0].lowercased() == "add"
        let command = adding ? "admin add" : "admin remove"
        do {
            if adding {
                if bridge.live.current.isOwner(account: account) {
                    return await answer("\(account) is an owner already (bot.conf).", outcome: "no change", target: account, command: command)
                }
                let added = try await bridge.roster.addAdmin(AdminAccount(account: account, addedBy: actor, addedAt: bridge.clock.now()))
                await answer(added ? "\(account) is now an admin (when logged in to that account)." : "\(account) is an admin already.",
                             outcome: added ? "ok" : "no change", target: account, command: command)
            } else {
                let removed = try await bridge.roster.removeAdmin(account: account)
                var text = removed ? "\(account) is no longer an admin." : "\(account) was not an admin."
                if bridge.live.current.isOwner(account: account) { text += " It is an owner in bot.conf, which only the config changes." }
                await answer(text, outcome: removed ? "ok" : "no change", target: account, command: command)
            }
        } catch {
            await audit("failed: store", target: account, command: command)
            await storeFailed(error)
        }
    }

    func listAdmins() async {
        guard words.isEmpty else { return await usage() }
        let admins = await bridge.roster.adminList()
        await audit("ok")
        // As of the last reload, like every role decision.
        let settings = bridge.live.current
        let owners = settings.ownerAccounts
        let masks = settings.access(network: event.network).ownerMasks.map(\.text)
        var parts = ["Owners: " + (owners.isEmpty ? "none by account" : owners.joined(separator: ", "))
                     + (masks.isEmpty ? "" : " (and masks \(masks.joined(separator: ", ")))")]
        parts.append(admins.isEmpty ? "no admins" : "admins: " + admins.map { "\($0.account) (by \($0.addedBy) \(Self.day($0.addedAt)))" }.joined(separator: ", "))
        await reply(parts.joined(separator: " · ") + ".")
    }

    // MARK: Audit

    func showAudit() async {
        guard words.count <= 1 else { return await usage() }
        var count = 5
        if let word = words.first {
            guard let n = Int(word), n > 0 else { return await usage() }
            count = min(n, AdminCommands.auditMaximum)
        }
        let rows: [AuditEntry]
        do {
            // Read first: the row for this !audit is not among what it shows.
            rows = try await store.recentAudit(limit: count)
        } catch {
            return await storeFailed(error)
        }
        await audit("ok", target: words.first)
        guard !rows.isEmpty else { return await reply("The audit log is empty.") }
        for row in rows { await reply(Self.auditLine(row, now: bridge.clock.now())) }
    }

    /// `#12 05:50 UTC root (root!~u@host) pause #art: ok` — one compact line per row.
    static func auditLine(_ row: AuditEntry, now: Date) -> String {
        let sameDay = day(row.at) == day(now)
        let when = (sameDay ? "" : day(row.at) + " ") + time(row.at) + " UTC"
        let who = row.account.map { "\($0) (\(row.mask))" } ?? row.mask
        let target = row.target.map { " \(ChatText.truncated($0, to: 60))" } ?? ""
        let place = row.channel.map { " in \($0)" } ?? " in private"
        return "#\(row.id ?? 0) \(when) \(who)\(place): \(row.command)\(target) → \(row.outcome)"
    }

    /// `2026-11-30`, UTC.
    static func day(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day], from: date)
        return "\(c.year ?? 0)-\(twoDigits(c.month))-\(twoDigits(c.day))"
    }

    /// `05:50`, UTC.
    static func time(_ date: Date) -> String {
        let c = utc.dateComponents([.hour, .minute], from: date)
        return "\(twoDigits(c.hour)):\(twoDigits(c.minute))"
    }

    private static func twoDigits(_ n: Int?) -> String {
        let n = n ?? 0
        return n < 10 ? "0\(n)" : "\(n)"
    }

    private static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }
}
