import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// A real HTTP server on 127.0.0.1 that answers the client-server API calls a `MatrixAccount`
/// makes, the way a test scripts them: for what Synapse cannot be made to do on cue (hold a
/// join while the test acts, answer like a reverse proxy, keep saying "later"). Not a mock of
/// the client: `MatrixClient` speaks real HTTP to it. Every request is recorded, in order.
final class ScriptedHomeserver: Sendable {
    struct Request: Sendable, CustomStringConvertible {
        var method: String
        /// Percent-decoded, without the query (`/_matrix/client/v3/join/#art:hs`).
        var path: String
        var query: String

        /// `POST join !room:hs`, `GET sync` …: the call without the API prefix.
        var description: String {
            let call = path.replacingOccurrences(of: "/_matrix/client/v3/", with: "")
            return "\(method) \(call)"
        }
    }

    struct Answer: Sendable {
        var status: Int
        var body: String
        static func json(_ body: String, status: Int = 200) -> Answer { Answer(status: status, body: body) }
    }

    /// Gets the request and the answer the standard script would give; returns the one to send.
    typealias Script = @Sendable (Request, Answer) async -> Answer

    let baseURL: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let recorder: Recorder

    actor Recorder {
        var requests: [Request] = []
        func record(_ request: Request) { requests.append(request) }
    }

    /// `userID` is whom whoami names; `aliases` what the directory resolves (and joins by alias
    /// answer with). Syncs answer an empty batch, after a pause once there is a `since` (a
    /// long poll in miniature, so the loop does not spin).
    static func start(userID: String, aliases: [String: String] = [:], script: @escaping Script = { $1 }) async throws
        -> ScriptedHomeserver {
        let recorder = Recorder()
        let batches = Counter()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let path = request.uri.path.removingPercentEncoding ?? request.uri.path
            let recorded = Request(method: request.method.rawValue, path: path, query: request.uri.query ?? "")
            await recorder.record(recorded)
            let standard = await standardAnswer(recorded, userID: userID, aliases: aliases, batches: batches)
            let answer = await script(recorded, standard)
            return Response(status: .init(code: answer.status), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in sink.yield(channel.localAddress?.port ?? 0); sink.finish() })
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: app.logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        return ScriptedHomeserver(baseURL: "http://127.0.0.1:\(port)", group: group, task: task, recorder: recorder)
    }

    private init(baseURL: String, group: ServiceGroup, task: Task<Void, any Error>, recorder: Recorder) {
        self.baseURL = baseURL
        self.group = group
        self.task = task
        self.recorder = recorder
    }

    actor Counter {
        var value = 0
        func next() -> Int { value += 1; return value }
    }

    private static func standardAnswer(_ request: Request, userID: String, aliases: [String: String], batches: Counter) async -> Answer {
        let api = "/_matrix/client/v3/"
        guard request.path.hasPrefix(api) else { return .json(#"{"errcode":"M_UNRECOGNIZED"}"#, status: 404) }
        let call = String(request.path.dropFirst(api.count))
        func roomID(_ room: String) -> String { aliases[room] ?? room }
        if call == "account/whoami" { return .json(#"{"user_id":"\#(userID)","device_id":"DEV"}"#) }
        if call == "login" { return .json(#"{"user_id":"\#(userID)","access_token":"syt_login_\#(await batches.next())","device_id":"DEV"}"#) }
        if call == "sync" {
            if request.query.contains("since=") { try? await Task.sleep(for: .milliseconds(200)) }
            return .json(#"{"next_batch":"s\#(await batches.next())"}"#)
        }
        if call.hasPrefix("join/") { return .json(#"{"room_id":"\#(roomID(String(call.dropFirst(5))))"}"#) }
        if call.hasPrefix("directory/room/") {
            let alias = String(call.dropFirst("directory/room/".count))
            guard let id = aliases[alias] else { return .json(#"{"errcode":"M_NOT_FOUND","error":"no such alias"}"#, status: 404) }
            return .json(#"{"room_id":"\#(id)","servers":[]}"#)
        }
        if call.hasPrefix("rooms/") && call.hasSuffix("/leave") { return .json("{}") }
        if call.hasPrefix("rooms/") && call.contains("/send/") { return .json(#"{"event_id":"$e\#(await batches.next())"}"#) }
        return .json(#"{"errcode":"M_UNRECOGNIZED"}"#, status: 404)
    }

    var requests: [Request] {
        get async { await recorder.requests }
    }

    /// The calls so far, as `description`s, without the syncs and whoami.
    var roomCalls: [String] {
        get async { await requests.map(\.description).filter { $0 != "GET sync" && $0 != "GET account/whoami" } }
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// A door a scripted answer waits at until the test opens it (every waiter, and all later ones).
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        guard !isOpen else { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}
