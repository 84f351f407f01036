import App
import Bridge
import Foundation
import Matrix
import MatrixTestSupport
import Testing

/// Synapse with `rc_message` at 0.5/s, burst 3: the bot's sends are refused with
/// `M_LIMIT_EXCEEDED` and waited out; nothing is lost and nothing is sent twice.
@Suite(.serialized, .synapse(limits: .low), .disabled(if: Synapse.skipRequested, Synapse.skipReason))
struct MatrixRateLimitOnSynapseTests {
    @Test func owedLinesAndAnswersOverTheLimitAreWaitedOutAndSentOnce() async throws {
        let setup = try await MatrixBotOnSynapseTests.Setup.make()
        defer { Task { await setup.cleanUp() } }
        let bot = try await setup.start()
        let matrix = bot.runtime.matrix
        let texts = (1...6).map { "owed \($0) \(UUID().uuidString.prefix(6))" }
        for (index, text) in texts.enumerated() {
            let line = OutgoingChat(network: "synapse", target: setup.roomID, text: text, style: .notice,
                                    outboxLineID: Int64(9_000 + index))
            #expect(await matrix.deliver(line, from: 0) == .confirmed, "\(text)")
        }
        // An immediate answer over the limit too.
        try await matrix.send(OutgoingChat(network: "synapse", target: setup.roomID, text: "answer after the burst"))
        let bodies = try await setup.botNotices().compactMap { $0["content"]?["body"]?.stringValue }
        for text in texts + ["answer after the burst"] {
            #expect(bodies.filter { $0 == text }.count == 1, "\(text) once in \(bodies)")
        }
        await bot.stop()
    }
}
