import IRC
import Testing

@Suite struct DeliveryProgressTests {
    @Test func confirmedOffsetIsTheEndOfTheConfirmedRun() {
        var progress = DeliveryProgress(ends: [10, 25, 31])
        #expect(progress.confirmedOffset == 0 && !progress.isComplete)
        progress.confirm(1)
        // The second without the first: the next attempt still starts at the beginning.
        #expect(progress.confirmedOffset == 0)
        progress.confirm(0)
        #expect(progress.confirmedOffset == 25 && !progress.isComplete)
        progress.confirm(7)
        progress.confirm(2)
        #expect(progress.confirmedOffset == 31 && progress.isComplete)
    }
}
