import App
import Testing

/// `mjbridge_intents_lost_total`: at 0 from the start (so `increase()` and absence alerts
/// work), one per submission the bridge reports lost.
@Suite struct IntentMetricsTests {
    @Test func lostIntentsAreCounted() {
        let metrics = BotMetrics()
        #expect(PrometheusScrape(metrics.prometheusText()).value("mjbridge_intents_lost_total") == 0)
        metrics.bridgeMetrics.intentLost()
        metrics.bridgeMetrics.intentLost()
        #expect(PrometheusScrape(metrics.prometheusText()).value("mjbridge_intents_lost_total") == 2)
    }
}
