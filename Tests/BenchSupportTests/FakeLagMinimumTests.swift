import BenchSupport
import Testing

struct FakeLagMinimumTests {
    /// The testnet's class: threshold 10, commandrate 1000 (one command a second).
    let testnet = FakeLagMinimum(threshold: 10, commandRate: 1000)

    @Test func theFirstThresholdLinesAreFree() {
        #expect(testnet.minimumSeconds(lines: 0) == 0)
        #expect(testnet.minimumSeconds(lines: 10) == 0)
        #expect(testnet.minimumSeconds(lines: 11) == 1)
    }

    @Test func twoHundredResultLinesTakeOneHundredNinetySeconds() {
        #expect(testnet.minimumSeconds(lines: 200) == 190)
        #expect(testnet.linesPerSecond == 1)
    }

    @Test func aFasterClassScalesTheTail() {
        let fast = FakeLagMinimum(threshold: 20, commandRate: 4000)
        #expect(fast.linesPerSecond == 4)
        #expect(fast.minimumSeconds(lines: 220) == 50)
    }

    @Test func excessIsTheFractionOverTheMinimum() {
        #expect(abs(testnet.excess(seconds: 209, lines: 200) - 0.1) < 1e-12)
        #expect(testnet.excess(seconds: 190, lines: 200) == 0)
        #expect(testnet.excess(seconds: 0, lines: 5) == 0)
        #expect(testnet.excess(seconds: 1, lines: 5) == .infinity)
    }
}
