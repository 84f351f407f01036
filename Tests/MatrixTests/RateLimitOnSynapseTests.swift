import Foundation
import Matrix
import MatrixTestSupport
import Testing

/// `M_LIMIT_EXCEEDED` from a real Synapse started with low message limits (a burst of 3, then
/// one per 2 s).
@Suite(.enabled(if: !Synapse.skipRequested, Synapse.skipReason), .timeLimit(.minutes(5)), .synapse(limits: .low))
struct RateLimitOnSynapseTests {
    @Test func theLimitIsRecognisedAndWaitingRetryAfterLetsTheSameSendThroughOnce() async throws {
        let synapse = try Synapse.require()
        let alice = SynapseSteps.client(synapse, synapse.user)
        let bot = SynapseSteps.client(synapse, synapse.bot)
        let roomID = try await SynapseSteps.room(alice, with: bot, memberID: synapse.bot.userID)

        var sent: [String] = []
        var limited: (txnID: String, error: MatrixClientError, response: MatrixErrorResponse, asked: ContinuousClock.Instant)?
        for line in 1...20 {
            let txnID = TransactionID.forOutboxLine(id: Int64(line), target: roomID, text: "line \(line)")
            let asked = ContinuousClock.now
            do {
                sent.append(try await bot.send(roomID: roomID, transactionID: txnID, content: MessageContent.notice("line \(line)")))
            } catch {
                guard case .server(let response) = error, response.errcode == "M_LIMIT_EXCEEDED" else { throw error }
                limited = (txnID, error, response, asked)
                break
            }
        }
        let refusal = try #require(limited, "20 sends in a row were not limited")
        #expect(refusal.response.status == 429)
        let retryAfter = try #require(refusal.response.retryAfter)
        #expect(retryAfter > .zero && retryAfter <= .seconds(10))

        // Right away, the same send is still refused (the limit is real)... unless this machine
        // stalled past retryAfter since the refused request was made: the server refused it
        // no earlier than `asked`, so a resend it accepted must end at least retryAfter after
        // that (100 ms for the server's rounding). Only the rule is checked, not a timing.
        do {
            _ = try await bot.send(roomID: roomID, transactionID: refusal.txnID, content: MessageContent.notice("line \(sent.count + 1)"))
            let elapsed = ContinuousClock.now - refusal.asked
            #expect(elapsed + .milliseconds(100) >= retryAfter, "accepted \(elapsed) after the refused request, before retry_after \(retryAfter)")
        } catch {
            guard case .server(let response) = error, response.isRateLimited else { throw error }
        }
        // ...and after what the policy says (at least retry_after_ms), it goes through.
        guard case .retry(let wait) = MatrixRetryPolicy().decision(for: refusal.error, attempt: 1, jitter: 0.5) else {
            Issue.record("the policy did not say to retry"); return
        }
        #expect(wait >= retryAfter)
        var eventID: String?
        var pause = wait
        for attempt in 1...3 {
            try await Task.sleep(for: pause)
            do {
                eventID = try await bot.send(roomID: roomID, transactionID: refusal.txnID, content: MessageContent.notice("line \(sent.count + 1)"))
                break
            } catch {
                // On a loaded machine the immediate retry above may have used the next token: the
                // server then names a new wait, honoured the same way (two more rounds at most).
                guard case .retry(let next) = MatrixRetryPolicy().decision(for: error, attempt: attempt + 1, jitter: 0.5),
                      case .server(let response) = error, response.isRateLimited, attempt < 3 else { throw error }
                pause = next
            }
        }
        let delivered = try #require(eventID)

        // Each line once: the refused attempts left nothing behind.
        let events = try await SynapseSteps.messageEvents(alice, roomID: roomID).filter { $0["sender"]?.stringValue == synapse.bot.userID }
        #expect(events.count == sent.count + 1)
        #expect(Set(events.compactMap { $0["event_id"]?.stringValue }) == Set(sent + [delivered]))
    }
}
