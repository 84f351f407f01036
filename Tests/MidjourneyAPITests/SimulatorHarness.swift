import AsyncHTTPClient
import Foundation
import Logging
import MidjourneyAPI
import MidjourneySimulator

/// A simulator on a loopback port (manual clock, 1 ms job phases) and clients configured for it.
/// The client speaks real HTTP to it; time only moves when a test calls `finishJobs()`.
struct SimulatorUnderTest {
    let server: SimulatorServer
    let flavor: SimulatorFlavor

    /// The first simulated Discord account (`accountFilter.instanceId`, `discordInstanceId`).
    static let instanceId = "1118138338562560102"

    static func with(_ flavor: SimulatorFlavor, apiKey: String? = testKey,
                     configure: (inout SimulatorConfiguration) -> Void = { _ in },
                     _ body: (SimulatorUnderTest) async throws -> Void) async throws {
        var configuration = SimulatorConfiguration(flavor: flavor, apiKey: apiKey, timing: .instant,
                                                   clock: .manual(startEpochMilliseconds: 1_748_339_029_401))
        // Loopback callbacks must not be given up on a loaded machine (default 5 s).
        configuration.callbackTimeout = .seconds(30)
        configure(&configuration)
        let quiet = Logger(label: "test.simulator") { _ in SwiftLogNoOpLogHandler() }
        let sim = SimulatorUnderTest(server: try await SimulatorServer.start(configuration: configuration, logger: quiet),
                                     flavor: flavor)
        do {
            try await body(sim)
        } catch {
            await sim.server.shutdown()
            throw error
        }
        await sim.server.shutdown()
    }

    /// A client for this simulator; `path` is appended to `http://127.0.0.1:PORT` (default `/mj`).
    func client(path: String = "/mj", apiKey: String? = testKey, authStyle: AuthStyle = .both,
                retry: RetryPolicy = .none, timeout: Duration = .seconds(10), listBatchSize: Int = 100,
                logger: Logger = Logger(label: "test")) throws(MJError) -> MidjourneyClient {
        try makeClient(server.baseURL + path, apiKey: apiKey, authStyle: authStyle, retry: retry, timeout: timeout,
                       listBatchSize: listBatchSize, logger: logger)
    }

    /// Runs simulated time until every job that can finish has finished.
    func finishJobs() async {
        await server.runUntilIdle()
    }

    var stats: SimulatorStats { get async { await server.controls.stats() } }

    /// Submits an imagine, runs it to the end and returns the fetched task.
    func finishedImagine(_ client: MidjourneyClient, prompt: String = "dog playing ball --v 7") async throws -> MJTask {
        let id = try requireValue(try await client.imagine(ImagineRequest(prompt: prompt)).taskId, "task id")
        await finishJobs()
        return try requireValue(try await client.fetch(id: id), "task \(id)")
    }

    /// The task a submit created, as fetched now.
    func task(of response: SubmitResponse, with client: MidjourneyClient) async throws -> MJTask {
        let id = try requireValue(response.taskId, "task id in \(response)")
        return try requireValue(try await client.fetch(id: id), "task \(id)")
    }

    /// Presses the first button of `kind` on `task` and, unless it opened a modal, runs the job.
    func press(_ kind: ButtonKind, on task: MJTask, with client: MidjourneyClient) async throws -> SubmitResponse {
        guard let button = task.button(kind) else { throw HarnessError.noButton("\(kind)", task.buttons.map(\.customId)) }
        let response = try await client.action(ActionRequest(task: task, button: button))
        if response.code != .modalRequired { await finishJobs() }
        return response
    }

    /// GETs a URL the simulator handed out (image links, uploads).
    func download(_ url: String) async throws -> (status: Int, contentType: String?, body: [UInt8]) {
        let response = try await MidjourneyClient.sharedHTTPClient.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), response.headers.first(name: "Content-Type"), Array(body.readableBytesView))
    }
}

enum HarnessError: Error, CustomStringConvertible {
    case noButton(String, [String])
    case missing(String)

    var description: String {
        switch self {
        case .noButton(let kind, let ids): "no \(kind) button among \(ids)"
        case .missing(let what): "missing \(what)"
        }
    }
}

/// `#require` for use outside a test function's body (helpers): throws instead of recording.
func requireValue<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw HarnessError.missing(what) }
    return value
}

/// A tiny real PNG as a data URL, for the upload endpoints.
let samplePNGDataURL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"

let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
