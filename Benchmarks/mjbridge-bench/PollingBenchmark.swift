import Foundation
import Logging
import MidjourneyAPI
import MidjourneySimulator

/// What following 1,000 pending tasks costs per polling cycle: the bridge's batched
/// `list-by-condition` (≤ 100 ids per request) against the one-`fetch`-per-task loop other
/// Midjourney bots use, counted in HTTP requests the proxy has to answer and in wall time,
/// over real loopback HTTP to the simulator.
enum PollingBenchmark {
    static func run() async throws -> [BenchmarkRow] {
        let tasks = 1_000
        let simulator = try await SimulatorServer.start(
            host: "127.0.0.1", port: 0,
            configuration: SimulatorConfiguration(flavor: .trueai, timing: .instant, accounts: 100, accountQueueSize: 10))
        defer { Task { await simulator.shutdown() } }
        await simulator.controls.stick(atPercent: 50)
        let client = try MidjourneyClient(configuration: MidjourneyConfiguration(baseURL: simulator.apiBaseURL),
                                          httpClient: MidjourneyClient.sharedHTTPClient)
        var ids: [String] = []
        for i in 0..<tasks {
            if let id = try await client.imagine(ImagineRequest(prompt: "benchmark \(i)")).taskId { ids.append(id) }
        }
        print("polling: \(ids.count) pending tasks on the simulator")

        let before = await simulator.controls.stats().requests
        let batchedStart = ContinuousClock.now
        let listed = try await client.list(ids: ids)
        let batchedTime = ContinuousClock.now - batchedStart
        let batchedRequests = await simulator.controls.stats().requests - before

        let naiveStart = ContinuousClock.now
        var fetched = 0
        for id in ids where try await client.fetch(id: id) != nil { fetched += 1 }
        let naiveTime = ContinuousClock.now - naiveStart
        let naiveRequests = await simulator.controls.stats().requests - before - batchedRequests

        print("polling: batched list-by-condition: \(batchedRequests) requests, \(ms(batchedTime)) ms for \(listed.count) tasks")
        print("polling: one fetch per task (other bots): \(naiveRequests) requests, \(ms(naiveTime)) ms for \(fetched) tasks")
        let requestRatio = Double(naiveRequests) / Double(max(1, batchedRequests))
        let timeRatio = seconds(naiveTime) / max(seconds(batchedTime), 1e-9)
        print("polling: \(format(requestRatio, digits: 0))× fewer requests per cycle, \(format(timeRatio, digits: 1))× less time")
        let batch = MidjourneyConfiguration(baseURL: simulator.apiBaseURL).listBatchSize
        let expected = (ids.count + batch - 1) / batch
        return [BenchmarkRow(
            area: "Polling", metric: "one poll cycle over \(ids.count) pending tasks (simulator, loopback HTTP)",
            value: "\(batchedRequests) requests, \(ms(batchedTime)) ms wall",
            peer: "one fetch per task (the popular bots)", peerValue: "\(naiveRequests) requests, \(ms(naiveTime)) ms wall",
            ratio: "\(format(requestRatio, digits: 0))× fewer requests, \(format(timeRatio, digits: 1))× less time",
            goal: "⌈tasks / \(batch)⌉ = \(expected) requests", met: batchedRequests == expected, note: nil)]
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    static func ms(_ d: Duration) -> Int { Int(seconds(d) * 1000) }
}
