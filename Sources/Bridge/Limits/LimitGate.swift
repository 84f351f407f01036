import Foundation
import Store

/// A job admitted by the limits: its reservation, and whether the proxy took it. Shared by the
/// command (which marks it accepted when a task is recorded) and `runAdmitted` (which settles it).
actor JobTicket {
    let reservation: JobReservation
    private(set) var accepted = false

    init(reservation: JobReservation) { self.reservation = reservation }

    func markAccepted() { accepted = true }
}

/// The sentence for a prompt with a banned word. It names no word: repeating it in the
/// channel would say what the operator keeps out.
let bannedWordRefusal = "that prompt contains a word that isn't allowed here."

extension ChatBridge {
    /// The command rate limit, before anything else is done with a line. False = ignore it.
    func admitCommand(_ event: ChatEvent, isAdmin: Bool, parser: CommandParser) async -> Bool {
        let settings = limitPolicy.settings
        guard settings.commandsPer30s > 0, !(isAdmin && settings.adminsExempt) else { return true }
        if case .notACommand = parser.parse(event) { return true }
        switch await rateGate.admit(LimitIdentity.key(of: event), limit: settings.commandsPer30s, at: clock.now()) {
        case .allow:
            return true
        case .ignore:
            return false
        case .ignoreAndNotify:
            logger.notice("command rate limit: ignoring a sender for a minute",
                          metadata: ["network": "\(event.network)", "nick": "\(event.sender)"])
            let text = "You're sending commands too fast (more than \(settings.commandsPer30s) in \(Int(LimitSettings.rateWindow)) s); "
                + "I'll ignore you for \(Int(LimitSettings.rateLimitPenalty)) s."
            // Privately, as a NOTICE: the channel does not need to hear it, and NOTICEs are never
            // answered (on Matrix: a notice replying to the line, see `privateNotice`).
            await send(addressing.privateNotice(to: event, text))
            return false
        }
    }
}

extension CommandContext {
    /// Whether the caller is exempt from the limits (counted, never refused): admins and owners.
    var isLimitExempt: Bool { isAdmin && bridge.limitPolicy.settings.adminsExempt }

    /// The refusals are written to follow `nick: ` in a channel; in private they start the line.
    func limitReply(_ sentence: String) async {
        CommandOutcomeCell.mark(.refused)
        guard event.target.channelName == nil, let first = sentence.first else { return await reply(sentence) }
        await reply(first.uppercased() + sentence.dropFirst())
    }

    /// Runs a command that sends text or a job to the proxy: banned words first, then (for job
    /// commands) the limits, reserving the job in the same store transaction that checked
    /// them; the reservation is kept when a task was recorded and given back otherwise (the
    /// proxy refused, a bad argument, a failed download). The one gate every submit path passes.
    func runAdmitted() async {
        let policy = bridge.limitPolicy
        if policy.bannedWords.matches(invocation.arguments) {
            bridge.logger.notice("refused a prompt with a banned word",
                                 metadata: ["network": "\(event.network)", "nick": "\(event.sender)"])
            return await limitReply(bannedWordRefusal)
        }
        guard JobCommands.submitsJob(invocation.spec) else { return await dispatch() }
        let now = bridge.clock.now()
        let admission = JobAdmission(settings: policy.settings, exempt: isLimitExempt)
        let requester = JobRequester(identity: LimitIdentity.key(of: event), nick: event.sender,
                                     channelScopeKey: event.target.channelName == nil ? nil : route.scopeKey,
                                     day: UTCDay(containing: now).key)
        let outcome: ReservationOutcome<LimitRefusal>
        do {
            outcome = try await store.reserveJob(requester, at: now) { admission.refusal($0, now: now) }
        } catch {
            return await storeFailed(error)
        }
        switch outcome {
        case .refused(let refusal):
            bridge.logger.info("job refused by a limit", metadata: [
                "network": "\(event.network)", "nick": "\(event.sender)", "identity": "\(requester.identity)", "limit": "\(refusal)",
            ])
            await limitReply(refusal.sentence(now: now))
        case .reserved(let reservation):
            let ticket = JobTicket(reservation: reservation)
            var admitted = self
            admitted.job = ticket
            await admitted.dispatch()
            do {
                if await ticket.accepted {
                    try await store.completeReservation(reservation)
                } else {
                    try await store.releaseReservation(reservation)
                }
            } catch {
                // A reservation left behind lapses after `StoreConventions.reservationLifetime`.
                bridge.logger.error("cannot settle a job reservation", metadata: ["error": "\(error)"])
            }
        }
    }
}
