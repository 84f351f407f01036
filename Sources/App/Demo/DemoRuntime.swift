import Bridge
import Foundation
import GuardedFetch
import ImageHosting
import Logging
import MidjourneyAPI
import MidjourneySimulator
import ServiceLifecycle
import Store

/// `mjbridge demo`: the real bridge, in-process with the simulator, chatting in the terminal.
/// Same `ChatBridge`, same client over real loopback HTTP, same callback route and SQLite store as
/// `run`; only the transport (console) and the proxy (simulated) differ.
public struct DemoRuntime: Sendable {
    public var channel = "#demo"
    public var nick = "you"
    public var timing: SimulatorTiming
    /// After the input ends, how long to wait for the results of tasks still running.
    public var drainTimeout: Duration = .seconds(120)

    public init(timing: SimulatorTiming = DemoRuntime.demoTiming) {
        self.timing = timing
    }

    /// A job takes about five seconds, with visible progress.
    public static let demoTiming = SimulatorTiming(startDelay: .milliseconds(500), progressSteps: [25, 50, 75],
                                                   stepInterval: .seconds(1), executionTimeout: .seconds(300))

    public static let banner = """
        mjbridge demo: a pretend IRC channel in your terminal.
        The Midjourney proxy here is SIMULATED: no real images are made, no key or credits are used.
        Try:  !help   !imagine a red fox in snow --ar 16:9   then  !u2   !v1   !zoom 2x   !tasks
        Result links point at 127.0.0.1 (the demo hosts its results under /i/) and work while the demo runs. Ctrl-D quits.
        """

    /// Runs until `input` ends, then waits for running tasks (up to `drainTimeout`).
    public func run(input: AsyncStream<String>, write: @escaping @Sendable (String) -> Void, logger: Logger) async throws {
        let apiKey = "demo-key"
        let simulator = try await SimulatorServer.start(
            host: "127.0.0.1", port: 0,
            configuration: SimulatorConfiguration(flavor: .trueai, apiKey: apiKey, timing: timing),
            logger: Logger(label: "mjbridge.simulator", level: logger.logLevel))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore.open(path: directory.appendingPathComponent("demo.sqlite").path)

        // The callback server first: its port goes into the notifyHook.
        let sink = BridgeCallbackSink()
        let secret = CallbackSecret.generate()
        let metrics = BotMetrics()
        // The demo hosts its results like `run` does, on its own loopback HTTP server and in its
        // temp directory (removed at the end): the same routes, store and host.
        let blobs = try DiskBlobStore(directory: directory.appendingPathComponent("images").path)
        let served = ServedImageLog()
        let imageLogger = Logger(label: "mjbridge.images", level: logger.logLevel)
        let routes: [any HTTPRouteGroup] = [CallbackRoutes(secret: secret, sink: sink, metrics: metrics),
                                            ObservabilityRoutes(health: DemoHealth(), metrics: metrics),
                                            ImageRoutes(store: store, blobs: blobs, served: served, logger: imageLogger)]
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let server = CallbackServer.application(routes: routes, host: "127.0.0.1", port: 0,
                                                logger: Logger(label: "mjbridge.http", level: logger.logLevel),
                                                onRunning: { port in portSink.yield(port); portSink.finish() })
        let serverGroup = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
        let serverTask = Task { try await serverGroup.run() }
        var portIterator = ports.makeAsyncIterator()
        guard let port = await portIterator.next() else { throw DemoError.serverDidNotStart }

        let client = try MidjourneyClient(
            configuration: MidjourneyConfiguration(baseURL: simulator.apiBaseURL, apiKey: apiKey),
            httpClient: MidjourneyClient.sharedHTTPClient, logger: Logger(label: "mjbridge.proxy", level: logger.logLevel))
        var configuration = BridgeConfiguration(
            versionText: "mjbridge \(MJBridgeVersion.current) (demo)",
            notifyHook: "http://127.0.0.1:\(port)/callback/\(secret)",
            pollSchedule: PollSchedule(interval: 2),
            progressMinimumInterval: 1, defaultProgress: .quarter)
        configuration.setProgress(.quarter, network: "demo", channel: channel)
        configuration.routeStateKey = RouteStateKey(callbackSecret: secret)
        configuration.routeTargets = RouteTargetRules(networks: ["demo"])
        var imageSettings = Self.imageSettings
        imageSettings.publicBaseURL = "http://127.0.0.1:\(port)"
        let hostSettings = HostedResultImages.Settings(imageSettings, proxyBaseURL: simulator.apiBaseURL)!
        let imageHost = try await HostedResultImages.make(
            settings: hostSettings, store: store, blobs: blobs,
            fetcher: try GuardedFetcher(policy: hostSettings.fetchPolicy, logger: imageLogger), metrics: metrics, logger: imageLogger)
        let imageService = ImageHostingService(host: imageHost, served: served, logger: imageLogger)
        let imageTask = Task { try await imageService.run() }
        let bridge = ChatBridge(configuration: configuration, client: client, store: store,
                            transport: ConsoleTransport(write: write), imageFetcher: try Self.imageFetcher(logger: logger),
                            resultImageHost: imageHost,
                            logger: Logger(label: "mjbridge.bridge", level: logger.logLevel))
        await sink.attach(bridge)
        let poller = Task { try await bridge.run() }

        write(Self.banner)
        for await line in input {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            await bridge.handle(ChatEvent(network: "demo", target: .channel(channel), sender: nick, account: nick,
                                          text: text, isFromOwner: true, botNick: "mjbridge"))
        }

        // Input ended (Ctrl-D or a pipe): let running jobs finish so their links are shown.
        let deadline = ContinuousClock.now.advanced(by: drainTimeout)
        while ContinuousClock.now < deadline {
            let pending = try await store.pendingTasks()
            let unsent = try await store.unsentLines()
            if pending.isEmpty && unsent.isEmpty { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        poller.cancel()
        imageTask.cancel()
        _ = try? await imageTask.value
        await serverGroup.triggerGracefulShutdown()
        _ = try? await serverTask.value
        await simulator.shutdown()
    }

    /// The demo's simulator serves its image links on 127.0.0.1, which the default policy
    /// refuses; the demo allows loopback (and only loopback) explicitly so that `!describe` and
    /// `!blend` of its own links work. It listens nowhere public and runs on the user's machine.
    static func imageFetcher(logger: Logger) throws -> GuardedImageFetcher {
        try GuardedImageFetcher(settings: imageSettings, logger: Logger(label: "mjbridge.images", level: logger.logLevel))
    }

    static var imageSettings: ImageSettings {
        var settings = ImageSettings()
        settings.allowNetworks = ["127.0.0.0/8", "::1/128"]
        return settings
    }
}

enum DemoError: Error, CustomStringConvertible {
    case serverDidNotStart

    var description: String { "the demo's callback server did not start" }
}

struct DemoHealth: HealthReporter {
    func healthReport() async -> HealthReport {
        HealthReport(reasons: [], version: MJBridgeVersion.current, networks: ["demo": "registered"])
    }
}

/// Lines typed on standard input. `readLine` blocks, so it runs on a thread of its own rather
/// than on the cooperative pool.
public enum StandardInputLines {
    public static func stream() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let thread = Thread {
            while let line = readLine(strippingNewline: true) { continuation.yield(line) }
            continuation.finish()
        }
        thread.start()
        return stream
    }
}
