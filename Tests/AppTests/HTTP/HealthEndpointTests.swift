import App
import AsyncHTTPClient
import Foundation
import Logging
import Testing

/// `/health` of a real bot runtime whose only network cannot be reached: 503 with the reason,
/// over real HTTP. And the `metrics_listen` key: parsed, checked, restart-only.
@Suite struct HealthEndpointTests {
    @Test func noRegisteredNetworkIs503() async throws {
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
        let task = Task { try await group.run() }
        defer { task.cancel() }
        do {
            let deadline = ContinuousClock.now + .seconds(60)
            var answer: (status: UInt, body: String)?
            while answer == nil {
                if let response = try? await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(httpPort)/health"), timeout: .seconds(10)) {
                    answer = (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
                } else {
                    try #require(ContinuousClock.now < deadline, "the health endpoint never answered")
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            let (status, body) = try #require(answer)
            #expect(status == 503, "\(body)")
            #expect(body.contains("no network is registered"), "\(body)")
            #expect(body.contains("\"nowhere\":\"connecting\""), "\(body)")
            #expect(body.contains("\"status\":\"unhealthy\""), "\(body)")
            // No poll has asked the proxy anything yet: nothing is said about it.
            #expect(!body.contains("last_poll"), "\(body)")
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            throw error
        }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
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
