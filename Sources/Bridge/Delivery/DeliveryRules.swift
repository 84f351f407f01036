import Foundation
import Store

/// What a delivery worker does with one owed line: the rules, free of I/O, so they are tested
/// without a transport or a store.
struct DeliveryRules: Sendable {
    var policy: DeliveryPolicy

    /// Before sending.
    enum Check: Sendable, Hashable {
        case send
        /// Wait without sending (the bot is not in the channel yet).
        case hold(reason: String)
        /// Never send it.
        case deadLetter(reason: String)
    }

    /// After `deliver`.
    enum Step: Sendable, Hashable {
        /// Confirmed to the end: mark it sent.
        case delivered
        /// The connection is not there: keep the offset, end the round, try again later.
        case interrupted(offset: Int)
        /// Refused for now: count the refusal, hold the target until `retryAt` (or until its
        /// channel's access changes).
        case hold(offset: Int, reason: String, retryAt: Date)
        /// Refused for good.
        case deadLetter(offset: Int, reason: String)
    }

    /// A line held past the hold time is given up on, whatever its target does now.
    func expiry(of line: OutboxLine, now: Date) -> String? {
        guard let since = line.heldSince, now.timeIntervalSince(since) >= policy.holdTime else { return nil }
        return "held for more than \(Self.hours(policy.holdTime)): \(line.heldReason ?? "no reason given")"
    }

    /// Whether a channel line may be sent, from where the bot stands with the channel.
    /// `joinedFromChat`: the store says the owners had the bot join it from chat (`!join`, an
    /// invitation) and it was not parted since. Such a channel is never given up on, whatever
    /// the transport says: the transport learns those channels only when
    /// `ChatBridge.restoreChannels()` hands them over at the start, and a delivery round that
    /// runs before that (a registration or a callback wakes the workers at once) would
    /// otherwise dead-letter its lines. The store is what the owners asked for; the
    /// transport's wanted set is a copy of it that may lag, never run ahead (`!join` tells the
    /// transport before the store, `!part` too: a parted channel is `.notWanted` in both).
    func check(channel: String, status: ChannelStatus, joinedFromChat: Bool = false) -> Check {
        switch status {
        case .joined: .send
        case .waiting: .hold(reason: "the bot is not in \(channel) (yet)")
        case .notWanted where joinedFromChat: .hold(reason: "the bot is not in \(channel) (yet)")
        case .notWanted: .deadLetter(reason: "the bot no longer wants to be in \(channel) (left, or not configured)")
        }
    }

    /// `line` (with `line.attempts` refusals so far) got `report`.
    func step(after report: DeliveryReport, line: OutboxLine, now: Date) -> Step {
        switch report {
        case .confirmed:
            return .delivered
        case .interrupted(let offset):
            return .interrupted(offset: max(offset, line.confirmedOffset))
        case .refused(let refusal, let offset):
            let offset = max(offset, line.confirmedOffset)
            let attempts = line.attempts + 1
            if refusal.isPermanent {
                return .deadLetter(offset: offset, reason: "refused: \(refusal.reason)")
            }
            if attempts > policy.maxRefusals {
                return .deadLetter(offset: offset, reason: "refused \(attempts) times: \(refusal.reason)")
            }
            let wait: TimeInterval
            switch refusal.kind {
            case .cannotSendToChannel:
                wait = policy.cannotSendRetry
            case .noSuchTarget, .other, .invalidTarget, .unknownNetwork:
                wait = min(policy.maxRefusalBackoff, policy.refusalBackoff * pow(2, Double(min(attempts - 1, 30))))
            }
            return .hold(offset: offset, reason: refusal.reason, retryAt: now.addingTimeInterval(wait))
        }
    }

    static func hours(_ seconds: TimeInterval) -> String {
        let hours = seconds / 3600
        return hours == hours.rounded() ? "\(Int(hours)) h" : "\(Int((seconds / 60).rounded())) min"
    }
}
