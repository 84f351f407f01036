import AsyncHTTPClient
import Foundation
import Logging
import MidjourneySimulator

/// An HTTP answer, decoded loosely with JSONSerialization (independent of the simulator's writer).
struct HTTPResult {
    var status: Int
    var body: [UInt8]
    var contentType: String?
    var headers: [String: String] = [:]

    var text: String { String(decoding: body, as: UTF8.self) }
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    var array: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [[String: Any]] ?? [] }
    var code: Int? { object["code"] as? Int }
    var result: String? { object["result"] as? String }
    var properties: [String: Any] { object["properties"] as? [String: Any] ?? [:] }
}

/// A simulator on a loopback port with a manual clock, and a real HTTP client talking to it.
struct Harness {
    let server: SimulatorServer
    var headers: [(String, String)] = []

    static func start(_ flavor: SimulatorFlavor = .trueai, apiKey: String? = nil,
                      _ configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> Harness {
        var configuration = SimulatorConfiguration(flavor: flavor, apiKey: apiKey, timing: .instant,
                                                   clock: .manual(startEpochMilliseconds: 1_748_339_029_401))
        // Loopback callbacks must not be given up on a loaded machine (default 5 s).
        configuration.callbackTimeout = .seconds(30)
        configure(&configuration)
        // Quiet: every test would otherwise log the simulator's start-up banner.
        let quiet = Logger(label: "test.simulator") { _ in SwiftLogNoOpLogHandler() }
        return Harness(server: try await SimulatorServer.start(configuration: configuration, logger: quiet))
    }

    func request(_ method: String, _ path: String, json: String? = nil,
                 headers extra: [(String, String)]? = nil, timeoutSeconds: Int64 = 30) async throws -> HTTPResult {
        let url = path.hasPrefix("http") ? path : server.baseURL + path
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        for (k, v) in extra ?? headers { request.headers.add(name: k, value: v) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(Array(json.utf8))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeoutSeconds))
        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        var result = HTTPResult(status: Int(response.status.code), body: Array(body.readableBytesView),
                                contentType: response.headers.first(name: "content-type"))
        for header in response.headers { result.headers[header.name.lowercased()] = header.value }
        return result
    }

    func post(_ path: String, _ json: String, headers: [(String, String)]? = nil) async throws -> HTTPResult {
        try await request("POST", path, json: json, headers: headers)
    }

    func fetch(_ id: String) async throws -> [String: Any] {
        try await request("GET", "/mj/task/\(id)/fetch").object
    }

    /// Submits an imagine and returns the task id (fails the test through `#require` if refused).
    func imagine(_ prompt: String = "dog playing ball", extra: String = "") async throws -> String {
        let r = try await post("/mj/submit/imagine", #"{"prompt":"\#(prompt)"\#(extra)}"#)
        guard let id = r.result, r.code == 1 || r.code == 22 else {
            throw HarnessError.refused(r.text)
        }
        return id
    }

    /// Imagine and run it to SUCCESS; returns the finished task.
    func finishedImagine(_ prompt: String = "dog playing ball") async throws -> [String: Any] {
        let id = try await imagine(prompt)
        await server.runUntilIdle()
        return try await fetch(id)
    }

    func press(_ task: [String: Any], label: String? = nil, emoji: String? = nil,
               customIdPrefix: String? = nil, extra: String = "") async throws -> HTTPResult {
        let buttons = task["buttons"] as? [[String: Any]] ?? []
        guard let button = buttons.first(where: { b in
            (label == nil || b["label"] as? String == label) && (emoji == nil || b["emoji"] as? String == emoji)
                && (customIdPrefix == nil || (b["customId"] as? String ?? "").hasPrefix(customIdPrefix!))
        }), let customId = button["customId"] as? String, let id = task["id"] as? String else {
            throw HarnessError.noSuchButton(label ?? emoji ?? customIdPrefix ?? "?")
        }
        return try await post("/mj/submit/action", #"{"taskId":"\#(id)","customId":"\#(customId)"\#(extra)}"#)
    }

    func shutdown() async { await server.shutdown() }
}

enum HarnessError: Error {
    case refused(String)
    case noSuchButton(String)
}

/// A tiny data URL holding a real PNG, for upload endpoints.
let samplePNGDataURL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"

func buttonIds(_ task: [String: Any]) -> [String] {
    (task["buttons"] as? [[String: Any]] ?? []).compactMap { $0["customId"] as? String }
}

/// Runs `body` against a fresh simulator and always shuts it down.
func withSimulator(_ flavor: SimulatorFlavor = .trueai, apiKey: String? = nil,
                   configure: (inout SimulatorConfiguration) -> Void = { _ in },
                   _ body: (Harness) async throws -> Void) async throws {
    let h = try await Harness.start(flavor, apiKey: apiKey, configure)
    do {
        try await body(h)
    } catch {
        await h.shutdown()
        throw error
    }
    await h.shutdown()
}
