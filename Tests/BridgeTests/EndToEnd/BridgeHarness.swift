import Bridge
import Foundation
import Logging
import MidjourneyAPI
import MidjourneySimulator
import Store
import Synchronization
import Testing

/// A real `ChatBridge` over a real SQLite file, talking HTTP to an in-process simulator on a
/// manual clock, with callbacks caught by a loopback recorder and handed to the bridge when
/// the test says so, and a recording chat transport. Nothing here is a mock.
final class BridgeHarness: Sendable {
    static let network = "testnet"
    static let channel = "#art"
    static let botNick = "mjbridge"
    /// Signs the tasks' `state`, as the runtime's key derived from the callback secret does.
    static let stateKey = RouteStateKey(callbackSecret: "harness-callback-secret")

    let directory: TemporaryDirectory
    let sim: SimulatorServer
    let recorder: CallbackRecorder
    let client: MidjourneyClient
    let transport: RecordingTransport
    let clock: ManualClock
    /// The bridge clock's sleeps (the mirror deadline): they end only when a test advances them.
    let timers: ManualTimers
    let fetcher: LoopbackImageFetcher
    let configuration: BridgeConfiguration
    /// The bridge's `resultImageHost` (kept across restarts, as the App's host is); nil = none.
    let imageHost: (any ResultImageHost)?
    private let current: Mutex<(bridge: ChatBridge, store: SQLiteStore)>
    /// How many recorded callbacks were handed to a bridge (or dropped as "arrived while down").
    private let forwarded = Mutex(0)

    var bridge: ChatBridge { current.withLock { $0.bridge } }
    var store: SQLiteStore { current.withLock { $0.store } }

    private init(directory: TemporaryDirectory, sim: SimulatorServer, recorder: CallbackRecorder, client: MidjourneyClient,
                 transport: RecordingTransport, clock: ManualClock, timers: ManualTimers, fetcher: LoopbackImageFetcher,
                 configuration: BridgeConfiguration, imageHost: (any ResultImageHost)?, bridge: ChatBridge, store: SQLiteStore) {
        self.directory = directory
        self.sim = sim
        self.recorder = recorder
        self.client = client
        self.transport = transport
        self.clock = clock
        self.timers = timers
        self.fetcher = fetcher
        self.configuration = configuration
        self.imageHost = imageHost
        self.current = Mutex((bridge, store))
    }

    /// Runs `body` with a fresh harness and always shuts the servers down.
    static func with(
        flavor: SimulatorFlavor = .trueai,
        timing: SimulatorTiming = .instant,
        simulator adjust: (inout SimulatorConfiguration) -> Void = { _ in },
        apiKey: String = "sk-test-secret-4242",
        clientKey: String? = nil,
        requestTimeout: Duration = .seconds(30),
        callbacks: Bool = true,
        bridge configure: (inout BridgeConfiguration) -> Void = { _ in },
        imageHost: (any ResultImageHost)? = nil,
        _ body: (BridgeHarness) async throws -> Void
    ) async throws {
        var simConfiguration = SimulatorConfiguration(flavor: flavor, apiKey: apiKey, timing: timing,
                                                      clock: .manual(startEpochMilliseconds: 1_748_339_029_401))
        // Callbacks to loopback must not be given up on a loaded machine (default 5 s).
        simConfiguration.callbackTimeout = .seconds(30)
        adjust(&simConfiguration)
        let sim = try await SimulatorServer.start(configuration: simConfiguration)
        let recorder = try await CallbackRecorder.start()
        let harness: BridgeHarness
        do {
            var configuration = BridgeConfiguration(versionText: "mjbridge test", ownerAccounts: ["root"],
                                                    notifyHook: callbacks ? recorder.url : nil, defaultProgress: .off)
            configuration.routeStateKey = stateKey
            configuration.routeTargets = RouteTargetRules(networks: [network])
            configure(&configuration)
            let client = try MidjourneyClient(
                configuration: MidjourneyConfiguration(baseURL: sim.apiBaseURL, apiKey: clientKey ?? apiKey,
                                                       timeouts: MidjourneyConfiguration.Timeouts(request: requestTimeout),
                                                       retryPolicy: RetryPolicy(maxAttempts: 1)),
                httpClient: MidjourneyClient.sharedHTTPClient)
            let directory = try TemporaryDirectory()
            let store = try SQLiteStore.open(path: directory.databasePath)
            let transport = RecordingTransport()
            let clock = ManualClock()
            let timers = ManualTimers()
            let fetcher = try LoopbackImageFetcher()
            let bridge = Self.makeBridge(configuration: configuration, client: client, store: store, transport: transport,
                                         fetcher: fetcher, imageHost: imageHost, clock: timers.bridgeClock(clock))
            harness = BridgeHarness(directory: directory, sim: sim, recorder: recorder, client: client, transport: transport,
                                    clock: clock, timers: timers, fetcher: fetcher, configuration: configuration, imageHost: imageHost,
                                    bridge: bridge, store: store)
        } catch {
            await sim.shutdown()
            await recorder.shutdown()
            throw error
        }
        do {
            try await body(harness)
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    /// `hintSleep` waits out the callback window; by default it passes at once (the harness
    /// hands callbacks over in bursts and then waits for `callbacksSettled()`).
    static func makeBridge(configuration: BridgeConfiguration, client: MidjourneyClient, store: any BotStore,
                           transport: RecordingTransport, fetcher: LoopbackImageFetcher,
                           imageHost: (any ResultImageHost)? = nil, clock: BridgeClock,
                           hintSleep: @escaping @Sendable (Duration) async throws -> Void = { _ in await Task.yield() }) -> ChatBridge {
        var logger = Logger(label: "bridge-e2e")
        logger.logLevel = .critical
        return ChatBridge(configuration: configuration, client: client, store: store, transport: transport,
                          imageFetcher: fetcher, resultImageHost: imageHost, clock: clock, hintSleep: hintSleep, logger: logger)
    }

    /// The simulator first, once its callbacks are out, then the recorder: a server stopped
    /// by cancellation while accepting a connection traps in NIO (apple/swift-nio#2813).
    func shutdown() async {
        await bridge.callbacksSettled()
        await bridge.tracker.mirrorsSettled()
        await bridge.shutdown()
        await sim.waitForCallbacks()
        await sim.shutdown()
        await recorder.shutdown()
    }

    // MARK: Chat

    /// `nick` says `text` in the channel (or privately with `channel: nil`).
    func say(_ text: String, as nick: String = "alice", account: String? = nil, in channel: String? = BridgeHarness.channel) async {
        let event = ChatEvent(network: Self.network, target: channel.map { .channel($0) } ?? .privateMessage, sender: nick,
                              account: account, text: text, botNick: Self.botNick)
        await bridge.handle(event)
        await bridge.deliverySettled()
    }

    /// Hands the bridge an event built by the test (unverified accounts, hostmasks).
    func hear(_ event: ChatEvent) async {
        await bridge.handle(event)
        await bridge.deliverySettled()
    }

    /// An event as the IRC transport builds it.
    static func event(_ text: String, as nick: String = "alice", account: String? = nil, verified: Bool = true,
                      userHost: String? = nil, in channel: String? = BridgeHarness.channel) -> ChatEvent {
        ChatEvent(network: network, target: channel.map { .channel($0) } ?? .privateMessage, sender: nick, account: account,
                  text: text, botNick: botNick, accountVerified: verified, userHost: userHost)
    }

    /// What was said once the delivery workers finished with every line committed so far
    /// (delivery runs beside the commands; the transcript is read when it has caught up).
    var lines: [String] { get async { await bridge.deliverySettled(); return await transport.texts } }

    /// Lines sent since `count` lines had been sent.
    func lines(after count: Int) async -> [String] { Array(await lines.dropFirst(count)) }

    /// The text of the last line, or "" when nothing was said.
    var lastLine: String { get async { await lines.last ?? "" } }

    /// The short reference in a line (`ref 1234`).
    static func ref(in line: String) -> String? {
        guard let range = line.range(of: #"ref \d{4,}"#, options: .regularExpression) else { return nil }
        return String(line[range].dropFirst(4))
    }

    /// Lines that announce a result (success, failure, cancel, timeout) for a reference.
    func results(for ref: String) async -> [String] {
        await lines.filter { line in
            ["✅", "❌", "🚫", "⏱"].contains { line.contains($0) } && Self.ref(in: line) == ref
        }
    }

    // MARK: The proxy side

    /// Runs the simulator until nothing is scheduled, then hands the bridge every callback that
    /// reached the recorder.
    func finishJobs() async {
        await sim.runUntilIdle()
        await deliverCallbacks()
    }

    /// Advances simulated time, then hands over the callbacks it caused.
    func advance(milliseconds: Int64) async {
        await sim.advance(by: .milliseconds(milliseconds))
        await deliverCallbacks()
    }

    /// Every callback recorded since the last call goes to the bridge, in arrival order; then
    /// waits until the proxy has been asked about them and its answers applied.
    func deliverCallbacks() async {
        for callback in await newCallbacks() {
            _ = await bridge.receiveCallback(Data(callback.body))
        }
        await bridge.callbacksSettled()
        // Results being mirrored are committed by their own jobs: wait for those too.
        await bridge.tracker.mirrorsSettled()
        await bridge.deliverySettled()
    }

    /// A `state` signed with the harness's key.
    static func signedState(_ route: TaskRoute) -> String? {
        SignedRouteState(route: route).encoded(with: stateKey)
    }

    /// Callbacks that reached the recorder since the last call, marked as handled (e.g. they
    /// arrived while the bot was down and are lost).
    func newCallbacks() async -> [RecordedCallback] {
        await sim.waitForCallbacks()
        let all = await recorder.received
        let start = forwarded.withLock { count in
            defer { count = all.count }
            return count
        }
        return Array(all.dropFirst(start))
    }

    /// Every callback the recorder has seen, from the start.
    var allCallbacks: [RecordedCallback] { get async { await recorder.received } }

    /// One polling cycle, as `run()` performs it.
    func poll() async {
        await bridge.tracker.poll()
        await bridge.tracker.mirrorsSettled()
        await bridge.deliverySettled()
    }

    // MARK: Restart

    /// The process died: a new `SQLiteStore` and `ChatBridge` over the same SQLite file, nothing
    /// else kept (the old bridge's delivery workers are stopped, as the process would be).
    func restart(clock bridgeClock: BridgeClock? = nil,
                 hintSleep: @escaping @Sendable (Duration) async throws -> Void = { _ in await Task.yield() }) async throws {
        await bridge.shutdown()
        let store = try SQLiteStore.open(path: directory.databasePath)
        let bridge = Self.makeBridge(configuration: configuration, client: client, store: store, transport: transport,
                                     fetcher: fetcher, imageHost: imageHost, clock: bridgeClock ?? timers.bridgeClock(clock),
                                     hintSleep: hintSleep)
        current.withLock { $0 = (bridge, store) }
    }

    /// A finished imagine: returns its short reference.
    func imagined(_ prompt: String, as nick: String = "alice") async throws -> String {
        let before = await lines.count
        await say("!imagine \(prompt)", as: nick)
        let ack = try #require(await lines(after: before).first, "no acknowledgement")
        let ref = try #require(Self.ref(in: ack), "no ref in \(ack)")
        await finishJobs()
        let results = await results(for: ref)
        try #require(results.count == 1 && results[0].contains("✅"), "imagine did not finish: \(results)")
        return ref
    }

    /// The image link of a task's result line.
    func link(of ref: String) async throws -> String {
        let result = try #require(await results(for: ref).first, "no result for \(ref)")
        return try #require(Self.link(in: result), "no link in \(result)")
    }

    /// The image link in a result line.
    static func link(in line: String) -> String? {
        guard let range = line.range(of: #"→ (\S+)"#, options: .regularExpression) else { return nil }
        return String(line[range].dropFirst(2))
    }
}
