import App
import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import Testing

/// `/health` of a real bot runtime whose only network cannot be reached: 503 with the reason,
/// over real HTTP. And the `metrics_listen` key: parsed, checked, restart-only.
@Suite struct HealthEndpointTests {
    @Test func noRegisteredNetworkIs503() async throws {
        // The bot binds its port itself, a moment after the test chose it; under the full suite
        // another listener took the port in between twice ("Address already in use" ends the
        // service group). A bot whose group ended without answering is started again on a new
        // port, at most three times; a bot that runs and never answers still fails the test.
        for attempt in 1...3 {
            if let answer = try await Self.healthOfAnUnreachableNetwork() {
                #expect(answer.status == 503, "\(answer.body)")
                #expect(answer.body.contains("no network is registered"), "\(answer.body)")
                #expect(answer.body.contains("\"nowhere\":\"connecting\""), "\(answer.body)")
                #expect(answer.body.contains("\"status\":\"unhealthy\""), "\(answer.body)")
                // No poll has asked the proxy anything yet: nothing is said about it.
                #expect(!answer.body.contains("last_poll"), "\(answer.body)")
                return
            }
            try #require(attempt < 3, "the bot's HTTP service ended without answering three times")
        }
    }

    /// `/health` of a bot whose only network cannot be reached; nil when its service group
    /// ended before answering (the port was taken).
    static func healthOfAnUnreachableNetwork() async throws -> (status: UInt, body: String)? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-health-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let httpPort = try await freePort()
        let ircPort = try await freePort()  // nobody listens there: the bot never registers
        let configuration = try ConfigurationLoader(environment: [:]).parse(toml: """
            [bot]
            database = "bot.sqlite"
            [proxy]
            base_url = "http://127.0.0.1:9/mj"
            [http]
            listen = "127.0.0.1:\(httpPort)"
            [[networks]]
            name = "nowhere"
            host = "127.0.0.1"
            port = \(ircPort)
            tls = false
            nick = "mjbot"
            """, baseDirectory: directory.path)
        var logger = Logger(label: "health.test")
        logger.logLevel = .critical
        let runtime = try await BotRuntime.make(configuration: configuration, logger: logger)
        let group = runtime.serviceGroup(signals: [])
        let ended = Mutex(false)
        let task = Task {
            defer { ended.withLock { $0 = true } }
            try await group.run()
        }
        defer { task.cancel() }
        do {
            let deadline = ContinuousClock.now + .seconds(60)
            var answer: (status: UInt, body: String)?
            while answer == nil {
                if let response = try? await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(httpPort)/health"), timeout: .seconds(10)) {
                    answer = (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
                } else if ended.withLock({ $0 }) {
                    break
                } else {
                    try #require(ContinuousClock.now < deadline, "the health endpoint never answered")
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            return answer
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            throw error
        }
    }

    @Test func metricsListenIsCheckedAndRestartOnly() throws {
        let base = """
            [proxy]
            base_url = "http://127.0.0.1:8080/mj"
            [http]
            listen = "0.0.0.0:8089"
            %@
            [[networks]]
            name = "test"
            host = "irc.example.net"
            nick = "mjbot"
            """
        func load(_ line: String) throws(ConfigError) -> Configuration {
            try ConfigurationLoader(environment: [:]).parse(toml: base.replacingOccurrences(of: "%@", with: line), baseDirectory: "/tmp")
        }
        #expect(try load("").http.metricsListen == "")
        #expect(try load("metrics_listen = \"127.0.0.1:9464\"").http.metricsListen == "127.0.0.1:9464")
        #expect(throws: ConfigError.self) { try load("metrics_listen = \"nonsense\"") }
        #expect(throws: ConfigError.self) { try load("metrics_listen = \"0.0.0.0:8089\"") }
        let diff = ConfigurationDiff(from: try load(""), to: try load("metrics_listen = \"127.0.0.1:9464\""))
        #expect(diff.needsRestart == ["http.metrics_listen"])
    }
}
