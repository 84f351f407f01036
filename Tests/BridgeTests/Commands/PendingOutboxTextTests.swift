import Foundation
import Testing
@testable import Bridge
import Store

/// The outbox part of `!pending`: counts, and the oldest held and dead-lettered lines with why.
@Suite struct PendingOutboxTextTests {
    let now = Date(timeIntervalSince1970: 1_748_339_000)

    func line(_ target: String, heldFor: TimeInterval? = nil, held: String? = nil, deadFor: TimeInterval? = nil,
              dead: String? = nil) -> OutboxLine {
        var line = OutboxLine(network: "net", target: target, isChannel: target.hasPrefix("#"), text: "x", style: "privmsg",
                              createdAt: now)
        line.heldSince = heldFor.map { now.addingTimeInterval(-$0) }
        line.heldReason = held
        line.deadLetteredAt = deadFor.map { now.addingTimeInterval(-$0) }
        line.deadLetterReason = dead
        return line
    }

    @Test func anEmptyOutboxSaysSo() {
        let empty = OutboxSummary(owed: 0, held: 0, deadLettered: 0, oldestHeld: [], oldestDeadLettered: [])
        #expect(CommandContext.outboxParts(empty, owedTargets: [], now: now) == ["outbox empty"])
    }

    @Test func heldAndDeadLetteredLinesShowTheOldestWithTheirReasons() {
        let summary = OutboxSummary(
            owed: 1, held: 4, deadLettered: 1,
            oldestHeld: [line("#quiet", heldFor: 7500, held: "Cannot send to channel (+m)"),
                         line("bob", heldFor: 180, held: "No such nick")],
            oldestDeadLettered: [line("#gone", deadFor: 3720, dead: "the bot no longer wants to be in #gone (left, or not configured)")])
        #expect(CommandContext.outboxParts(summary, owedTargets: ["#photo"], now: now) == [
            "1 line waiting in the outbox (for #photo)",
            "4 lines held (#quiet for 2 h 5 min: Cannot send to channel (+m); bob for 3 min: No such nick; …)",
            "1 line dead-lettered, never sent (#gone 1 h 2 min ago: the bot no longer wants to be in #gone (left, or not configured))",
        ])
    }

    @Test func aLongReasonIsShortened() {
        let summary = OutboxSummary(owed: 0, held: 1, deadLettered: 0,
                                    oldestHeld: [line("#x", heldFor: 5, held: String(repeating: "r", count: 300))], oldestDeadLettered: [])
        let held = CommandContext.outboxParts(summary, owedTargets: [], now: now)[0]
        #expect(held.count < 120, "\(held)")
    }
}
