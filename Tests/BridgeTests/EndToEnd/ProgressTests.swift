import Foundation
import MidjourneySimulator
import Testing
@testable import Bridge

/// Progress lines per channel policy, throttled to one per task per interval, driven by the
/// simulator's callbacks step by step (`.instant`: SUBMITTED, 25, 50, 75 %, SUCCESS, 1 ms apart).
@Suite struct ProgressTests {
    /// Runs one imagine to its end, advancing the bridge's clock `secondsPerStep` between
    /// reports; returns the lines said about it after the acknowledgement.
    func progressLines(policy: ProgressPolicy, secondsPerStep: TimeInterval) async throws -> [String] {
        var said: [String] = []
        try await BridgeHarness.with(bridge: { $0.setProgress(policy, network: BridgeHarness.network, channel: "#ART") }) { h in
            await h.say("!imagine a red fox")
            let before = await h.lines.count
            for _ in 0..<5 {
                h.clock.advance(by: secondsPerStep)
                await h.advance(milliseconds: 1)
            }
            await h.finishJobs()
            said = await h.lines(after: before)
        }
        return said
    }

    @Test func offSaysNothingBetweenAckAndResult() async throws {
        let said = try await progressLines(policy: .off, secondsPerStep: 30)
        #expect(said.count == 1)
        #expect(said.first?.contains("✅") == true)
    }

    @Test func startedSaysSoOnce() async throws {
        let said = try await progressLines(policy: .started, secondsPerStep: 30)
        #expect(said.count == 2, "\(said)")
        #expect(said.first?.range(of: #"^alice: ⏳ ref \d{4,} started$"#, options: .regularExpression) != nil, "\(said)")
        #expect(said.last?.contains("✅") == true)
    }

    @Test func every25WhenReportsAreFarApart() async throws {
        let said = try await progressLines(policy: .quarter, secondsPerStep: 30)
        #expect(said.map { $0.replacingOccurrences(of: #"\d{4,}"#, with: "R", options: .regularExpression) }.prefix(3)
                == ["alice: ⏳ ref R at 25 %", "alice: ⏳ ref R at 50 %", "alice: ⏳ ref R at 75 %"], "\(said)")
        #expect(said.count == 4)
    }

    @Test func atMostOneProgressLinePerTaskPerInterval() async throws {
        // Reports 5 s apart, interval 20 s: 25 % is said, 50 % is within 20 s of it and is not,
        // 75 % comes 10 s after 25 %, still not; the result always is.
        let said = try await progressLines(policy: .quarter, secondsPerStep: 5)
        let progress = said.filter { $0.contains(" at ") && $0.contains(" %") }
        #expect(progress.count == 1, "\(said)")
        #expect(progress.first?.hasSuffix("at 25 %") == true)
        #expect(said.last?.contains("✅") == true)
    }

    @Test func theThrottleHoldsAcrossARestart() async throws {
        try await BridgeHarness.with(bridge: { $0.defaultProgress = .quarter }) { h in
            await h.say("!imagine a red fox")
            let before = await h.lines.count
            await h.advance(milliseconds: 2) // SUBMITTED, 25 %
            try await h.restart()
            h.clock.advance(by: 5)
            await h.advance(milliseconds: 1) // 50 %, 5 s later: held back by the stored throttle
            let said = await h.lines(after: before)
            #expect(said.count == 1 && said[0].hasSuffix("at 25 %"), "\(said)")
        }
    }
}
