import Synchronization
import App
import Bridge
import Foundation
import Logging
import MidjourneySimulator
import NIOCore
import NIOPosix
import ServiceLifecycle
import TestnetSupport

/// Everything one end-to-end test needs: a simulator, a bot configured for the testnet by a
/// real `bot.conf` (so the config path is exercised too), and its data directory.
struct BotHarness: Sendable {
    let net: Testnet
    let simulator: SimulatorServer
    let directory: URL
    let nick: String
    let channel: String
    let httpPort: Int
    let apiKey = "e2e-key-0123456789"

    static func make(_ net: Testnet, flavor: SimulatorFlavor = .trueai, timing: SimulatorTiming = .quick) async throws -> BotHarness {
        let simulator = try await SimulatorServer.start(
            host: "127.0.0.1", port: 0,
            configuration: SimulatorConfiguration(flavor: flavor, apiKey: "e2e-key-0123456789", timing: timing))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return BotHarness(net: net, simulator: simulator, directory: directory, nick: uniqueName("mjb"),
                          channel: "#" + uniqueName("e2e"), httpPort: try await freePort())
    }

    /// Limits off: tests of other features send commands faster than any limit allows.
    static let noLimits = """
        [limits]
        daily_jobs = 0
        pending_per_user = 0
        pending_per_channel = 0
        pending_total = 0
        cooldown_seconds = 0
        commands_per_30s = 0
        """

    /// The bot's config file. `callbacks: false` leaves out the public URL: polling alone.
    /// `limits` is the whole `[limits]` table; `networkKeys` go into the testnet's `[[networks]]`
    /// table. SASL PLAIN as the bot's account where the network has services (InspIRCd +
    /// Atheme); none on ngIRCd, which has no SASL.
    func configText(callbacks: Bool = true, pollSeconds: Double = 1, deadlineMinutes: Double = 5,
                    progress: String = "off", limits: String = BotHarness.noLimits, networkKeys: String = "") -> String {
        let sasl = net.server.hasServices ? """
            sasl_mechanism = "plain"
            sasl_account = "\(net.botAccount)"
            sasl_password = "\(net.botPassword)"
            """ : "# no SASL: \(net.server) has no services"
        return """
        [bot]
        database = "bot.sqlite"
        owners = ["\(net.server.hasServices ? net.botAccount : "mjbot")-owner"]
        log_level = "info"

        [proxy]
        base_url = "\(simulator.apiBaseURL)"
        api_key = "\(apiKey)"
        poll_interval_seconds = \(pollSeconds)
        task_deadline_minutes = \(deadlineMinutes)

        [http]
        listen = "127.0.0.1:\(httpPort)"
        public_base_url = "\(callbacks ? "http://127.0.0.1:\(httpPort)" : "")"

        \(limits)
        # The simulator and the tests' ImageHost serve images on loopback, refused by default.
        [images]
        allow_networks = ["127.0.0.0/8"]

        [[networks]]
        name = "testnet"
        host = "\(net.host)"
        port = \(net.tlsPort)
        ca_file = "\(net.caFile)"
        nick = "\(nick)"
        \(sasl)
        flood_burst = 5
        flood_interval_seconds = 1
        rejoin_delay_seconds = 1
        quit_message = "e2e bye"
        \(networkKeys)

        [[networks.channels]]
        name = "\(channel)"
        progress = "\(progress)"
        """
    }

    @discardableResult
    func writeConfig(_ text: String) throws -> String {
        let path = directory.appendingPathComponent("bot.conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Starts the bot in this process; returns its runtime and the running service group.
    /// `clock` is the bridge's (tests of the UTC day move it; the process keeps real time).
    func startInProcess(_ text: String, clock: BridgeClock = .system) async throws -> RunningBot {
        let path = try writeConfig(text)
        let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
        var logger = Logger(label: "e2e.bot")
        logger.logLevel = .notice
        // A bot stopped in this process a moment ago may still be closing its listener (seen
        // under the full suite: "Address already in use", the HTTP service fails and cancels
        // the group); a new process would not meet this, the kernel closes a dead one's sockets.
        try await waitUntilBindable(port: httpPort)
        let runtime = try await BotRuntime.make(configuration: configuration, clock: clock, logger: logger)
        let group = runtime.serviceGroup(signals: [])
        let task = Task { try await group.run() }
        return RunningBot(runtime: runtime, group: group, task: task)
    }

    /// A user on the network, in the bot's channel once the bot is there.
    func user(_ prefix: String = "alice") async throws -> TestPeer {
        let peer = try await TestPeer.connect(to: net)
        let nick = uniqueName(prefix)
        try await peer.register(nick: nick)
        await peer.send("JOIN \(channel)")
        _ = try await peer.expect("own JOIN of \(channel)") { $0.command == "JOIN" && $0.source?.nick == nick }
        return peer
    }

    func cleanUp() async {
        await simulator.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}

struct RunningBot: Sendable {
    let runtime: BotRuntime
    let group: ServiceGroup
    let task: Task<Void, any Error>

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// A port nobody listens on right now, chosen below the kernel's ephemeral range: the bot is
/// restarted on the same port (its notifyHook names it), and a port the kernel picked for
/// `bind(port: 0)` or an outgoing connection could be handed to another test in between
/// (seen: "Address already in use" on restart under the full suite). Ports outside the
/// ephemeral range are only ever taken by someone asking for them by number. The upper half of
/// that range is ours, the lower half the testnets' (Scripts/testnet/testnet.py `free_ports`):
/// a network another suite starts binds its ports seconds after choosing them, and one had
/// taken a bot's HTTP port in between ("Address already in use", the bot's services stopped).
func freePort() async throws -> Int {
    let range = ephemeralPortRange()
    let middle = 10_000 + (range.lowerBound - 10_000) / 2
    let candidates = range.lowerBound > 12_000 ? middle...(range.lowerBound - 1) : range
    for _ in 0..<200 {
        let port = Int.random(in: candidates)
        // Never the same port twice in this process: two suites' bots would race for it.
        guard handedOutPorts.withLock({ $0.insert(port).inserted }) else { continue }
        guard let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: port).get() else { continue }
        try await channel.close()
        return port
    }
    throw HarnessError.noFreePort
}

/// Ports `freePort` has returned in this process.
private let handedOutPorts = Mutex<Set<Int>>([])

enum HarnessError: Error { case noFreePort, portStillInUse(Int) }

/// Waits (at most 15 s, then throws) until `port` on 127.0.0.1 can be bound.
func waitUntilBindable(port: Int) async throws {
    let deadline = ContinuousClock.now + .seconds(15)
    while true {
        if let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: port).get() {
            try await channel.close()
            return
        }
        guard ContinuousClock.now < deadline else { throw HarnessError.portStillInUse(port) }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// `/proc/sys/net/ipv4/ip_local_port_range`, or Linux's default when unreadable.
private func ephemeralPortRange() -> ClosedRange<Int> {
    let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
    let numbers = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
    guard numbers.count == 2, numbers[0] <= numbers[1] else { return 32768...60999 }
    return numbers[0]...numbers[1]
}

extension TestPeer {
    /// Waits for a PRIVMSG/NOTICE from `nick` whose text satisfies `predicate`; returns the text.
    func said(by nick: String, _ what: String, timeout: Duration = .seconds(60),
              _ predicate: @escaping @Sendable (String) -> Bool) async throws -> String {
        let message = try await expect(what, timeout: timeout) { message in
            (message.command == "PRIVMSG" || message.command == "NOTICE") && message.source?.nick == nick
                && predicate(message.params.last ?? "")
        }
        return message.params.last ?? ""
    }
}
