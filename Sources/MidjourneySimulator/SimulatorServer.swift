import Foundation
import Logging

/// The simulator as a running HTTP server: the proxy API under `baseURL` + `/mj`
/// (and the `/mj-fast`, `/mj-relax`, `/mj-turbo` prefixes), image links under `/attachments/`.
/// Used by `mjbridge simulate`, by the in-process demo and by tests; all three are the same
/// server on a loopback port.
public final class SimulatorServer: Sendable {
    /// `http://HOST:PORT` (no trailing slash, no `/mj`).
    public let baseURL: String
    public let port: Int
    public let configuration: SimulatorConfiguration
    public let controls: SimulatorControls

    let core: SimulatedProxy
    private let http: LoopbackHTTPServer
    private let dispatcher: CallbackDispatcher
    private let dispatchTask: Task<Void, Never>
    private let driverTask: Task<Void, Never>?

    private init(baseURL: String, port: Int, configuration: SimulatorConfiguration, core: SimulatedProxy,
                 http: LoopbackHTTPServer, dispatcher: CallbackDispatcher, dispatchTask: Task<Void, Never>,
                 driverTask: Task<Void, Never>?) {
        self.baseURL = baseURL
        self.port = port
        self.configuration = configuration
        self.core = core
        self.http = http
        self.dispatcher = dispatcher
        self.dispatchTask = dispatchTask
        self.driverTask = driverTask
        self.controls = SimulatorControls(core: core, dispatcher: dispatcher)
    }

    /// Starts listening; `port: 0` picks a free port (see `port` / `baseURL`).
    public static func start(host: String = "127.0.0.1", port: Int = 0,
                             configuration: SimulatorConfiguration = SimulatorConfiguration(),
                             logger: Logger = Logger(label: "mjbridge.simulator")) async throws -> SimulatorServer {
        let (stream, continuation) = AsyncStream<CallbackEnvelope>.makeStream()
        let startMillis: Int64
        switch configuration.clock {
        case .realTime: startMillis = wallClockMillis()
        case .manual(let start): startMillis = start
        }
        let core = SimulatedProxy(configuration: configuration, startMillis: startMillis, callbacks: continuation)
        let dispatcher = CallbackDispatcher(timeout: configuration.callbackTimeout, concurrency: configuration.callbackConcurrency,
                                            logger: logger)
        let dispatchTask = Task { await dispatcher.run(stream) }
        let realTime: Bool
        if case .realTime = configuration.clock { realTime = true } else { realTime = false }

        let http: LoopbackHTTPServer
        do {
            http = try await LoopbackHTTPServer.start(host: host, port: port, logger: logger) { request in
                if realTime { await core.advance(to: wallClockMillis()) }
                return await core.respond(to: request)
            }
        } catch {
            continuation.finish()
            await dispatchTask.value
            throw error
        }
        let urlHost = host.contains(":") ? "[\(host)]" : (host == "0.0.0.0" ? "127.0.0.1" : host)
        let baseURL = "http://\(urlHost):\(http.port)"
        await core.setBaseURL(baseURL)

        var driverTask: Task<Void, Never>?
        if case .realTime(let tick) = configuration.clock {
            driverTask = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: tick)
                    await core.advance(to: wallClockMillis())
                }
            }
        }
        let server = SimulatorServer(baseURL: baseURL, port: http.port, configuration: configuration, core: core,
                                     http: http, dispatcher: dispatcher, dispatchTask: dispatchTask, driverTask: driverTask)
        for line in server.banner.split(separator: "\n") { logger.notice("\(line)") }
        return server
    }

    /// Says loudly that this is a simulator, and how to point a client at it. Logged by `start`.
    public var banner: String {
        let auth: String
        if let key = configuration.apiKey, !key.isEmpty {
            auth = configuration.flavor == .trueai
                ? "API key required (Authorization: <key> without 'Bearer', or mj-api-secret: <key>)"
                : "API key required (mj-api-secret: <key>)"
        } else {
            auth = "no API key required"
        }
        return [
            "*** MIDJOURNEY PROXY SIMULATOR - not a real proxy: no Discord, no Midjourney, generated test images ***",
            "imitating \(configuration.flavor.imitates) (flavor \(configuration.flavor)); \(auth)",
            "proxy API: \(apiBaseURL)  (also /mj-fast/mj, /mj-relax/mj, /mj-turbo/mj)",
            "switches:  GET/POST \(baseURL)\(SimRoute.switchesPath)  (e.g. {\"outage\":true})",
        ].joined(separator: "\n")
    }

    /// The base URL a client should be configured with (`http://HOST:PORT/mj`).
    public var apiBaseURL: String { baseURL + "/mj" }

    /// Moves simulated time forward and runs every event due (manual clock; with the
    /// real-time clock it jumps ahead of the wall clock).
    public func advance(by duration: Duration) async {
        let now = await core.now
        await core.advance(to: now + duration.milliseconds)
    }

    /// Runs simulated time forward until no job has anything scheduled (stuck ones stay stuck).
    public func runUntilIdle() async {
        await core.runUntilIdle()
    }

    /// Simulated "now" in epoch milliseconds.
    public var now: Int64 { get async { await core.now } }

    /// Returns once every callback emitted so far has been POSTed (or failed to be), or at once
    /// after `shutdown()`.
    public func waitForCallbacks() async {
        let emitted = await core.emittedCallbacks
        await dispatcher.waitUntilProcessed(emitted)
    }

    /// Suspends until the server stops (`shutdown()` from elsewhere, or a listener error).
    public func waitUntilStopped() async throws {
        try await http.task.value
    }

    /// Stops listening (requests in flight are answered first) and stops posting callbacks
    /// (one on the wire is let finish, within `callbackTimeout`; queued ones are dropped).
    public func shutdown() async {
        driverTask?.cancel()
        await http.stop()
        await dispatcher.stop()
        await core.finishCallbacks()
        await dispatchTask.value
        _ = await driverTask?.value
    }
}

func wallClockMillis() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded())
}
