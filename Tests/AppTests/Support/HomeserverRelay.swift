import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A loopback HTTP relay between the bot and a homeserver, so a test can stop one send
/// (`PUT …/rooms/{room}/send/{type}/{txnId}`) at the moment it chooses: either before it
/// reaches the homeserver, or after the homeserver stored the event but before its answer
/// reaches the bot. The test then kills the bot while that send is in flight, which a real
/// crash does only by chance. Everything else is passed through unchanged.
///
/// It also records every send it saw (transaction id, access token, the homeserver's event
/// id), so a test can tell that a restarted bot sent the same transaction id with the same
/// login and got the first event's id back.
final class HomeserverRelay: Sendable {
    /// Where one matching send is stopped.
    enum HoldPoint: Sendable {
        /// Not forwarded: the homeserver never sees it.
        case beforeTheHomeserver
        /// Forwarded and stored by the homeserver; its answer is not passed back.
        case afterTheHomeserverAnswered
    }

    struct Send: Sendable, Equatable {
        let transactionID: String
        let accessToken: String
        /// nil: not forwarded, or the homeserver gave no event id.
        let eventID: String?
        /// True for the one the relay held.
        let held: Bool
    }

    private struct State {
        var rule: (point: HoldPoint, matches: @Sendable (_ transactionID: String, _ msgtype: String?) -> Bool)?
        var heldTransactionID: String?
        var released = false
        var sends: [Send] = []
        /// `METHOD path → status` of every request relayed (for failure messages).
        var requests: [String] = []
        /// `METHOD uri` (path and query) of every request, in the order they arrived.
        var uris: [String] = []
        let started = ContinuousClock.now
    }

    let url: String
    private let homeserver: String
    private let state: Mutex<State>
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Longest a held send waits for `release()` (a failing test must not leave it forever).
    static let holdLimit: Duration = .seconds(180)

    private init(url: String, homeserver: String, group: ServiceGroup, task: Task<Void, any Error>) {
        self.url = url
        self.homeserver = homeserver
        self.state = Mutex(State())
        self.group = group
        self.task = task
    }

    static func start(forwardingTo homeserver: String) async throws -> HomeserverRelay {
        let box = Mutex<HomeserverRelay?>(nil)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 64 << 20)
            guard let relay = box.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return try await relay.relay(request, body: body)
        }
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "e2e.relay")
        logger.logLevel = .critical
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in sink.yield(channel.localAddress?.port ?? 0); sink.finish() },
                              logger: logger)
        var configuration = ServiceGroupConfiguration(services: [.init(service: app)], logger: logger)
        // A /sync long-poll of a killed bot may still be waiting on the homeserver: cut it short.
        configuration.maximumGracefulShutdownDuration = .seconds(2)
        let group = ServiceGroup(configuration: configuration)
        let task = Task { defer { sink.finish() }; try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            throw ChildProcessError("the relay did not start: \(await task.result)")
        }
        let relay = HomeserverRelay(url: "http://127.0.0.1:\(port)", homeserver: homeserver, group: group, task: task)
        box.withLock { $0 = relay }
        return relay
    }

    /// Holds the next send whose transaction id and `msgtype` pass `matches`, at `point` (once).
    func hold(_ point: HoldPoint, where matches: @escaping @Sendable (_ transactionID: String, _ msgtype: String?) -> Bool) {
        state.withLock { $0.rule = (point, matches); $0.heldTransactionID = nil; $0.released = false }
    }

    /// The transaction id of the send being held (nil: none yet).
    var heldTransactionID: String? { state.withLock { $0.heldTransactionID } }

    /// Lets the held send go: its client is gone by then, so it is answered 502 and dropped.
    func release() { state.withLock { $0.released = true } }

    var sends: [Send] { state.withLock { $0.sends } }

    /// `METHOD uri` of every request relayed so far (a test counts `/sync`s and logins).
    var uris: [String] { state.withLock { $0.uris } }

    /// The last requests relayed, one a line, without query strings (for failure messages).
    var requestLog: String { state.withLock { $0.requests.suffix(60).joined(separator: "\n") } }

    func stop() async {
        release()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    // MARK: Relaying

    private func relay(_ request: Request, body: ByteBuffer) async throws -> Response {
        let path = request.uri.string
        let started = ContinuousClock.now
        let shown = "\(request.method.rawValue) \(request.uri.path)"
        state.withLock {
            $0.requests.append("\(Self.seconds($0.started)) \(shown) …")
            $0.uris.append("\(request.method.rawValue) \(path)")
        }
        defer {
            state.withLock { $0.requests.append("\(Self.seconds($0.started)) \(shown) done after \(Self.seconds(started))") }
        }
        let token = request.headers[.authorization].map { String($0.dropFirst("Bearer ".count)) } ?? ""
        let transactionID = request.method == .put ? Self.sendTransactionID(path) : nil
        var point: HoldPoint?
        if let transactionID {
            let content = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            let msgtype = content?["msgtype"] as? String
            point = state.withLock { state -> HoldPoint? in
                guard let rule = state.rule, rule.matches(transactionID, msgtype) else { return nil }
                state.rule = nil
                state.heldTransactionID = transactionID
                return rule.point
            }
        }
        if point == .beforeTheHomeserver, let transactionID {
            state.withLock { $0.sends.append(Send(transactionID: transactionID, accessToken: token, eventID: nil, held: true)) }
            await waitForRelease()
            return Response(status: .badGateway)
        }
        let (status, headers, answer) = try await forward(request, path: path, body: body)
        if let transactionID {
            let eventID = (try? JSONSerialization.jsonObject(with: Data(answer.readableBytesView)) as? [String: Any])?["event_id"] as? String
            state.withLock { $0.sends.append(Send(transactionID: transactionID, accessToken: token, eventID: eventID,
                                                  held: point != nil)) }
        }
        if point == .afterTheHomeserverAnswered {
            await waitForRelease()
            return Response(status: .badGateway)
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: answer))
    }

    private func forward(_ request: Request, path: String, body: ByteBuffer) async throws
        -> (HTTPResponse.Status, HTTPFields, ByteBuffer) {
        var outgoing = HTTPClientRequest(url: homeserver + path)
        outgoing.method = .init(rawValue: request.method.rawValue)
        let hopByHop: Set<String> = ["host", "content-length", "connection", "transfer-encoding"]
        for field in request.headers where !hopByHop.contains(field.name.canonicalName) {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        if body.readableBytes > 0 || request.method == .put || request.method == .post {
            outgoing.body = .bytes(body)
        }
        do {
            // Longer than the bot's /sync long-poll.
            let response = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(90))
            let answer = try await response.body.collect(upTo: 64 << 20)
            var headers = HTTPFields()
            if let type = response.headers.first(name: "content-type") { headers[.contentType] = type }
            return (HTTPResponse.Status(code: Int(response.status.code)), headers, answer)
        } catch {
            return (.badGateway, HTTPFields(), ByteBuffer(string: "{\"errcode\":\"M_UNKNOWN\",\"error\":\"relay: \(error)\"}"))
        }
    }

    private func waitForRelease() async {
        let end = ContinuousClock.now + Self.holdLimit
        while ContinuousClock.now < end, !state.withLock({ $0.released }) {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Seconds since `start`, to the millisecond.
    private static func seconds(_ start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        return String(format: "%.3f s", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// The txnId of `…/rooms/{room}/send/{type}/{txnId}` (nil for any other path).
    static func sendTransactionID(_ path: String) -> String? {
        let parts = (path.split(separator: "?").first ?? "").split(separator: "/")
        guard parts.count >= 3, parts[parts.count - 3] == "send", parts.contains("rooms") else { return nil }
        return String(parts[parts.count - 1]).removingPercentEncoding
    }
}
