import Foundation
import Store

/// `!quota`: everyone sees their own usage; admins see and set anyone's, and everyone's default.
public enum LimitCommands {
    public static let quota = CommandSpec(
        name: "quota", usage: "[user|default] [n|unlimited|reset] [always]",
        summary: "Shows your jobs today and your daily limit. Admins: someone's, or set today's limit, their default (always), or everyone's (default).",
        examples: ["quota", "quota alice", "quota alice 50", "quota alice unlimited always", "quota alice reset", "quota default 30"])

    public static let all = [quota]
}

/// What `!quota` with arguments asks for. Pure, so the syntax is tested on its own.
enum QuotaRequest: Sendable, Hashable {
    /// Someone's usage (`!quota alice`).
    case show(user: String)
    /// `!quota alice 50` (today), `!quota alice 50 always` (default); limit nil = reset, 0 = unlimited.
    case set(user: String, limit: Int?, always: Bool)
    /// `!quota default 30`; nil = back to the configuration.
    case setEveryone(limit: Int?)

    /// Nil when the words are not `!quota` syntax.
    static func parse(_ words: [String]) -> QuotaRequest? {
        guard let user = words.first, (1...3).contains(words.count) else { return nil }
        let isDefault = user.lowercased() == "default"
        guard words.count > 1 else { return isDefault ? nil : .show(user: user) }
        let limit: Int?
        switch words[1].lowercased() {
        case "unlimited", "none", "off": limit = 0
        case "reset": limit = nil
        default:
            guard let n = Int(words[1]), (1...100_000).contains(n) else { return nil }
            limit = n
        }
        if words.count == 3 {
            guard words[2].lowercased() == "always", !isDefault, limit != nil else { return nil }
            return .set(user: user, limit: limit, always: true)
        }
        return isDefault ? .setEveryone(limit: limit) : .set(user: user, limit: limit, always: false)
    }
}

extension CommandContext {
    /// Who may look at others' quotas and set them. The role model makes this "admin or owner".
    var mayManageQuotas: Bool { isAdmin }

    func quota() async {
        let now = bridge.clock.now()
        let day = UTCDay(containing: now)
        guard !words.isEmpty else {
            let identity = LimitIdentity.key(of: event)
            do {
                let usage = try await store.quotaUsage(identity: identity, day: day.key)
                await reply(quotaText(usage, whose: nil, day: day, now: now, exempt: isLimitExempt))
            } catch {
                await storeFailed(error)
            }
            return
        }
        guard mayManageQuotas else {
            await audit("refused: for admins", target: ChatText.truncated(words.joined(separator: " "), to: 80))
            return await reply("Only admins can see or set other people's quotas; \(prefix)quota alone shows yours.")
        }
        guard let request = QuotaRequest.parse(words) else {
            await audit("refused: usage", target: ChatText.truncated(words.joined(separator: " "), to: 80))
            return await usage()
        }
        do {
            switch request {
            case .show(let user):
                let identity = try await quotaIdentity(user)
                let usage = try await store.quotaUsage(identity: identity, day: day.key)
                await audit("ok", target: identity)
                await reply(quotaText(usage, whose: user, day: day, now: now, exempt: false))
            case .set(let user, let limit, let always):
                let identity = try await quotaIdentity(user)
                let text: String
                if limit == nil {
                    try await store.clearQuotaOverrides(identity: identity)
                    let everyone = try await globalLimit()
                    text = "\(user) is back to everyone's daily limit (\(Self.limitText(everyone)))."
                } else if always {
                    try await store.setQuotaOverride(identity: identity, day: nil, limit: limit, at: now)
                    // Today's own override would hide the new default until midnight.
                    try await store.setQuotaOverride(identity: identity, day: day.key, limit: nil, at: now)
                    text = "\(user)'s daily limit is now \(Self.limitText(limit!)), from today on."
                } else {
                    try await store.setQuotaOverride(identity: identity, day: day.key, limit: limit, at: now)
                    text = "\(user)'s limit today is \(Self.limitText(limit!)); it goes back to their usual one at 00:00 UTC."
                }
                await quotaChanged(target: identity, request: request, outcome: text)
                await reply(text)
            case .setEveryone(let limit):
                try await store.setQuotaOverride(identity: StoreConventions.everyoneQuotaKey, day: nil, limit: limit, at: now)
                let text = limit.map { "Everyone's daily limit is now \(Self.limitText($0)) (set from chat)." }
                    ?? "Everyone's daily limit is back to the configured \(Self.limitText(bridge.limitPolicy.settings.dailyJobs))."
                await quotaChanged(target: StoreConventions.everyoneQuotaKey, request: request, outcome: text)
                await reply(text)
            }
        } catch {
            await storeFailed(error)
        }
    }

    /// A quota change is an admin action: it goes to the audit table (`!audit`) and the log.
    func quotaChanged(target: String, request: QuotaRequest, outcome: String) async {
        bridge.logger.notice("quota changed", metadata: [
            "by": "\(event.account ?? event.sender)", "target": "\(target)", "request": "\(request)", "outcome": "\(outcome)",
        ])
        await audit(outcome, target: target)
    }

    /// The identity an admin means: a mask as typed, an account the store has counted, else
    /// the identity last seen under that nick, else the word as an account not seen yet.
    private func quotaIdentity(_ word: String) async throws -> String {
        let typed = LimitIdentity.key(typed: word)
        if typed.contains("!") { return typed }
        if try await store.knowsIdentity(typed) { return typed }
        return try await store.identity(lastUsingNick: word) ?? typed
    }

    private func globalLimit() async throws -> Int {
        let usage = try await store.quotaUsage(identity: StoreConventions.everyoneQuotaKey, day: "")
        return usage.userDefaultLimit ?? bridge.limitPolicy.settings.dailyJobs
    }

    /// `3 of 25 jobs used today (UTC); resets at 00:00 UTC (in 3 h 12 min).`
    private func quotaText(_ usage: QuotaUsage, whose user: String?, day: UTCDay, now: Date, exempt: Bool) -> String {
        let settings = bridge.limitPolicy.settings
        let counters = JobCounters(usedToday: usage.usedToday, todayLimit: usage.todayLimit,
                                   userDefaultLimit: usage.userDefaultLimit, globalDefaultLimit: usage.globalDefaultLimit)
        let limit = JobAdmission(settings: settings, exempt: false).dailyLimit(counters)
        var who = ""
        if let user {
            // The nick they last used, when it is not the name the admin typed.
            let nick = usage.lastNick.flatMap { ChatText.caseFolded($0) == ChatText.caseFolded(user) ? nil : " (\($0))" }
            who = "\(user)\(nick ?? ""): "
        }
        let jobs = "\(usage.usedToday) \(usage.usedToday == 1 ? "job" : "jobs")"
        let source = usage.todayLimit != nil ? " (today only)" : usage.userDefaultLimit != nil ? " (set for \(user == nil ? "you" : "them"))" : ""
        var text: String
        if limit == 0 {
            text = "\(who)\(jobs) today (UTC); no daily limit\(source)."
        } else {
            text = "\(who)\(jobs) of \(limit) used today\(source); resets at 00:00 UTC (in \(WaitText.duration(day.end.timeIntervalSince(now))))."
        }
        if exempt { text += " Admins are not held by the limits." }
        return text
    }

    static func limitText(_ limit: Int) -> String {
        limit == 0 ? "unlimited" : "\(limit) \(limit == 1 ? "job" : "jobs")"
    }
}
