import Foundation
import Store

/// Commands for the bot's owners (recognised by services account or owner mask, never by
/// nick). `!help` lists them to owners only; anyone else gets one sentence saying they are for
/// the owners. They stay owner-level: channels and progress shape what the bot is, which is
/// the operator's call; admins keep order in the channel (pause, ignore, cancel).
public enum OwnerCommands {
    public static let join = CommandSpec(
        name: "join", usage: "<#channel> [key]",
        summary: "Has the bot join a channel on this network; it rejoins it after restarts.",
        examples: ["join #art", "join #secret sesame"], ownerOnly: true)
    public static let part = CommandSpec(
        name: "part", aliases: ["leave"], usage: "[#channel] [reason]",
        summary: "Has the bot leave a channel (default: this one); it stays out after restarts until joined again.",
        examples: ["part", "part #art see you"], ownerOnly: true)
    public static let progress = CommandSpec(
        name: "progress", usage: "[#channel] [off|started|quarter]",
        summary: "Shows or sets how much a channel (default: this one) hears while a job runs; kept across restarts.",
        examples: ["progress", "progress quarter", "progress #art off"], ownerOnly: true)
    public static let pending = CommandSpec(
        name: "pending",
        summary: "Shows the pending tasks and the oldest one's age, lines waiting in the outbox, and whether the last poll reached the proxy.",
        examples: ["pending"], ownerOnly: true)

    public static let all = [join, part, progress, pending]
}

/// Owner commands: channels and settings at runtime, and a look at the bot's queues.
extension CommandContext {
    func joinChannel() async {
        guard (1...2).contains(words.count), let channel = words.first, ChannelName.isValid(channel) else {
            await audit("refused: bad arguments")
            return await usage()
        }
        let key = words.count > 1 ? words[1] : nil
        if let key, !ChannelName.isValidKey(key) {
            return await answer("A channel key cannot contain commas or control characters.", outcome: "refused: bad key", target: channel)
        }
        // A Matrix alias of a room the bot is in already is that room.
        let known = await bridge.transport.canonicalChannel(network: event.network, channel: channel)
        if await bridge.transport.isJoined(network: event.network, channel: known) {
            return await answer("I'm already in \(channel).", outcome: "no change", target: channel)
        }
        do {
            try await bridge.transport.join(network: event.network, channel: channel, key: key)
        } catch {
            return await answer("I cannot join \(channel): \(error).", outcome: "failed: \(error)", target: channel)
        }
        do {
            let remembered = await bridge.transport.canonicalChannel(network: event.network, channel: channel)
            try await bridge.channels.setMembership(.joined, key: key, network: event.network, channel: remembered,
                                                    at: bridge.clock.now())
            await answer("Joining \(channel); I'll rejoin it after a restart.", outcome: "ok", target: channel)
        } catch {
            bridge.logger.error("cannot remember a joined channel", metadata: ["channel": "\(channel)", "error": "\(error)"])
            await answer("Joining \(channel), but I could not note it for the next start (see the log).", outcome: "ok, not stored", target: channel)
        }
    }

    /// Leaving the channel the command came from says nothing there: the PART (with the
    /// reason, by default who asked) is the answer, as other bots do it. A reply queued before
    /// it would race the PART, which IRC clients send ahead of chat.
    func partChannel() async {
        var rest = words
        var channel = event.target.channelName
        if let first = rest.first, ChannelName.looksLikeChannel(first) {
            guard ChannelName.isValid(first) else {
                await audit("refused: bad arguments")
                return await usage()
            }
            channel = first
            rest.removeFirst()
        }
        guard let channel else {
            await audit("refused: bad arguments")
            return await usage()
        }
        let given = ChatText.truncated(ChatText.wireSafe(rest.joined(separator: " ")), to: 200)
        let reason = given.isEmpty ? "requested by \(event.sender)" : given
        // Asked before leaving: a Matrix alias still resolves to the room then.
        let remembered = await bridge.transport.canonicalChannel(network: event.network, channel: channel)
        let isHere = event.target.channelName.map { ChatText.caseFolded($0) == ChatText.caseFolded(remembered) } ?? false
        let wasIn = await bridge.transport.isJoined(network: event.network, channel: channel)
        do {
            try await bridge.transport.part(network: event.network, channel: channel, reason: reason)
        } catch {
            return await answer("I cannot leave \(channel): \(error).", outcome: "failed: \(error)", target: channel)
        }
        var noted = true
        do {
            try await bridge.channels.setMembership(.parted, key: nil, network: event.network, channel: remembered,
                                                    at: bridge.clock.now())
        } catch {
            noted = false
            bridge.logger.error("cannot remember a parted channel", metadata: ["channel": "\(channel)", "error": "\(error)"])
        }
        await audit(wasIn ? (noted ? "ok" : "ok, not stored") : "not joined", target: channel)
        if isHere && wasIn && noted { return }
        var text = wasIn ? "Left \(channel)" : "I was not in \(channel)"
        text += noted ? "; I won't rejoin it after a restart." : ", but I could not note it for the next start (see the log)."
        await reply(text)
    }

    func progressSetting() async {
        var rest = words
        var channel = event.target.channelName
        if let first = rest.first, ChannelName.looksLikeChannel(first) {
            guard ChannelName.isValid(first) else {
                await audit("refused: bad arguments")
                return await usage()
            }
            channel = first
            rest.removeFirst()
        }
        guard let channel, rest.count <= 1 else {
            await audit("refused: bad arguments")
            return await usage()
        }
        guard let word = rest.first else {
            await audit("ok (shown)", target: channel)
            let policy = await bridge.channels.progressPolicy(network: event.network, channel: channel)
            let origin = await bridge.channels.progressWasChanged(network: event.network, channel: channel)
                ? "set from chat" : "as configured"
            return await reply("Progress in \(channel): \(policy.rawValue) — \(Self.explain(policy)) (\(origin)).")
        }
        guard let policy = ProgressPolicy(configValue: word) else {
            return await answer("Progress is off, started or quarter (also every25).", outcome: "refused: bad arguments", target: channel)
        }
        do {
            try await bridge.channels.setProgress(policy, network: event.network, channel: channel, at: bridge.clock.now())
            await answer("Progress in \(channel) is now \(policy.rawValue): \(Self.explain(policy)).",
                         outcome: "ok", target: "\(channel) \(policy.rawValue)")
        } catch {
            await audit("failed: store", target: channel)
            await storeFailed(error)
        }
    }

    static func explain(_ policy: ProgressPolicy) -> String {
        switch policy {
        case .off: "nothing between the acknowledgement and the result"
        case .started: "one line when the job starts"
        case .quarter: "a line at 25, 50 and 75 %"
        }
    }

    func pendingReport() async {
        guard words.isEmpty else { return await usage() }
        await audit("ok")
        let now = bridge.clock.now()
        let pending: [TaskRecord]
        let outbox: OutboxSummary
        let openIntents: [IntentRecord]
        do {
            pending = try await store.pendingTasks()
            outbox = try await store.outboxSummary(limit: 3)
            openIntents = try await store.openIntents(createdUpTo: now)
        } catch {
            return await storeFailed(error)
        }
        var parts: [String] = []
        if let oldest = pending.first {
            let place = oldest.channel ?? "private"
            parts.append("\(Self.count(pending.count, "task")) pending, the oldest for \(Self.age(now.timeIntervalSince(oldest.createdAt)))"
                         + " (ref \(await ref(of: oldest)) in \(place))")
        } else {
            parts.append("No tasks pending")
        }
        if let part = Self.openIntentsPart(openIntents, now: now) { parts.append(part) }
        // Several processes: which one holds what (the rest of the report is the shared database's).
        if let holding = bridge.holding { parts.append(await holding.report()) }
        parts.append(contentsOf: Self.outboxParts(outbox, owedTargets: outbox.owed > 0 ? await owedTargets() : [], now: now))
        switch await bridge.tracker.lastPoll {
        case nil:
            parts.append("no poll has asked the proxy yet")
        case .some(let poll):
            let when = "last poll \(Self.age(now.timeIntervalSince(poll.at))) ago"
            if let failure = poll.failure {
                parts.append("\(when) did not reach the proxy: \(ChatText.truncated(failure, to: 120))")
            } else {
                parts.append("\(when) reached the proxy")
            }
        }
        await reply(parts.joined(separator: " · ") + ".")
    }

    /// Submissions sent to the proxy whose answer was never recorded (a crash, a lost
    /// answer): the tracker looks for them and tells their user if they stay lost. Nil when
    /// there are none, so the usual report stays short.
    static func openIntentsPart(_ open: [IntentRecord], now: Date) -> String? {
        guard let oldest = open.map(\.createdAt).min() else { return nil }
        return "\(count(open.count, "submission")) without a task id yet (being looked for), "
            + "the oldest for \(age(now.timeIntervalSince(oldest)))"
    }

    /// `outbox empty`, or what waits: lines owed (with their first targets), held (the oldest
    /// few with how long and why) and dead-lettered (the oldest few with when and why). The
    /// reasons are the server's words: shortened, and made wire-safe by the reply.
    static func outboxParts(_ outbox: OutboxSummary, owedTargets: [String], now: Date) -> [String] {
        guard outbox.owed + outbox.held + outbox.deadLettered > 0 else { return ["outbox empty"] }
        var parts: [String] = []
        if outbox.owed > 0 {
            let shown = owedTargets.prefix(3).joined(separator: ", ") + (owedTargets.count > 3 ? ", …" : "")
            parts.append("\(count(outbox.owed, "line")) waiting in the outbox" + (shown.isEmpty ? "" : " (for \(shown))"))
        }
        if outbox.held > 0 {
            let oldest = outbox.oldestHeld.map { line in
                "\(line.target) for \(age(now.timeIntervalSince(line.heldSince ?? now))): "
                    + ChatText.truncated(line.heldReason ?? "no reason given", to: 80)
            }
            parts.append("\(count(outbox.held, "line")) held (\(oldest.joined(separator: "; "))\(outbox.held > oldest.count ? "; …" : ""))")
        }
        if outbox.deadLettered > 0 {
            let oldest = outbox.oldestDeadLettered.map { line in
                "\(line.target) \(age(now.timeIntervalSince(line.deadLetteredAt ?? now))) ago: "
                    + ChatText.truncated(line.deadLetterReason ?? "no reason given", to: 80)
            }
            parts.append("\(count(outbox.deadLettered, "line")) dead-lettered, never sent (\(oldest.joined(separator: "; "))"
                         + "\(outbox.deadLettered > oldest.count ? "; …" : ""))")
        }
        return parts
    }

    /// The first few targets of owed (not held) lines, in queue order.
    private func owedTargets() async -> [String] {
        guard let owed = try? await store.unsentLines() else { return [] }
        var targets: [String] = []
        for line in owed where line.heldSince == nil && !targets.contains(line.target) {
            targets.append(line.target)
            if targets.count > 3 { break }
        }
        return targets
    }

    static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    /// `45 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`.
    static func age(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds))
        switch total {
        case ..<60: return "\(total) s"
        case ..<3600: return total % 60 == 0 ? "\(total / 60) min" : "\(total / 60) min \(total % 60) s"
        case ..<86_400: return "\(total / 3600) h \(total % 3600 / 60) min"
        default: return "\(total / 86_400) d \(total % 86_400 / 3600) h"
        }
    }
}

/// What IRC accepts as a channel name and key (RFC 2812 §1.3, §3.2.1), so a typo never
/// reaches the wire as something else.
enum ChannelName {
    static let prefixes: Set<Character> = ["#", "&", "+", "!"]

    static func looksLikeChannel(_ word: String) -> Bool {
        word.first.map { prefixes.contains($0) } ?? false
    }

    static func isValid(_ name: String) -> Bool {
        // A Matrix room id or alias (`!id:server`, `#alias:server`): the colon is its server part.
        if (name.first == "#" || name.first == "!") && TaskRoute.isMatrixIdentifier(name) {
            return (4...255).contains(name.count)
                && !name.unicodeScalars.contains { $0.value <= 0x20 || $0 == "," || $0.value == 0x7F }
        }
        return looksLikeChannel(name) && (2...50).contains(name.count)
            && !name.unicodeScalars.contains { $0.value < 0x20 || $0 == " " || $0 == "," || $0 == ":" || $0.value == 0x7F }
    }

    static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.count <= 23 && !key.unicodeScalars.contains { $0.value <= 0x20 || $0 == "," || $0.value == 0x7F }
    }
}
