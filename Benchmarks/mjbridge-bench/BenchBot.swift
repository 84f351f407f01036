import App
import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// The real bot, in this process, as `mjbridge run` assembles it: a `bot.conf` written to a
/// temp directory, loaded by `ConfigurationLoader`, run by `BotRuntime`'s service group.
struct BenchBot: Sendable {
    let runtime: BotRuntime
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let directory: URL
    let httpPort: Int
    let callbackSecret: String

    /// One IRC network `network` (plain TCP to `host:port`) with one channel, limits off,
    /// progress lines off, polling every `pollSeconds`, callbacks to `/callback/<secret>`.
    static func start(proxyBaseURL: String, apiKey: String, ircHost: String, ircPort: Int, nick: String, channel: String,
                      floodBurst: Int, floodIntervalSeconds: Double, pollSeconds: Double) async throws -> BenchBot {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let httpPort = try freeLoopbackPort()
        let secret = "bench" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let text = """
            [bot]
            database = "bot.sqlite"
            log_level = "warning"

            [proxy]
            base_url = "\(proxyBaseURL)"
            api_key = "\(apiKey)"
            poll_interval_seconds = \(pollSeconds)
            task_deadline_minutes = 60

            [http]
            listen = "127.0.0.1:\(httpPort)"
            public_base_url = "http://127.0.0.1:\(httpPort)"
            callback_secret = "\(secret)"

            [limits]
            daily_jobs = 0
            pending_per_user = 0
            pending_per_channel = 0
            pending_total = 0
            cooldown_seconds = 0
            commands_per_30s = 0

            [images]
            allow_networks = ["127.0.0.0/8"]

            [[networks]]
            name = "bench"
            host = "\(ircHost)"
            port = \(ircPort)
            tls = false
            nick = "\(nick)"
            flood_burst = \(floodBurst)
            flood_interval_seconds = \(floodIntervalSeconds)

            [[networks.channels]]
            name = "\(channel)"
            progress = "off"
            """
        let path = directory.appendingPathComponent("bot.conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
        var logger = Logger(label: "bench.bot")
        logger.logLevel = .warning
        let runtime = try await BotRuntime.make(configuration: configuration, logger: logger)
        let group = runtime.serviceGroup(signals: [])
        let task = Task { try await group.run() }
        return BenchBot(runtime: runtime, group: group, task: task, directory: directory, httpPort: httpPort, callbackSecret: secret)
    }

    var callbackURL: String { "http://127.0.0.1:\(httpPort)/callback/\(callbackSecret)" }

    /// `mjbridge_callbacks_total` by outcome, from the bot's own `/metrics`.
    func callbackOutcomes() async -> [String: Int] {
        guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(httpPort)/metrics"),
                                                                 timeout: .seconds(10)),
              let body = try? await response.body.collect(upTo: 16 << 20) else { return [:] }
        var outcomes: [String: Int] = [:]
        for line in String(buffer: body).split(separator: "\n") where line.hasPrefix("mjbridge_callbacks_total{") {
            guard let start = line.range(of: "outcome=\""), let end = line[start.upperBound...].firstIndex(of: "\""),
                  let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            outcomes[String(line[start.upperBound..<end]), default: 0] += Int(value)
        }
        return outcomes
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to 0, read back, closed).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BenchSocketError.failed("socket") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard ok else { throw BenchSocketError.failed("bind") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; false on timeout.
func waitUntil(timeout: Duration, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// A progress line, flushed at once (through a pipe, stdout is block-buffered).
func progress(_ line: String) {
    print(line)
    fflush(nil)
}
