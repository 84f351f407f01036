import Bridge
import Foundation
import Logging
import Synchronization

/// A chat transport whose delivery reports the test chooses, per target: the delivery
/// workers' rules are exercised against every answer a server can give (confirmed, cut off
/// after some pieces, refused with each reason) without a socket. What counts as "on the
/// wire" follows the report: the text from the requested offset up to the confirmed offset.
/// (The real IRC transport, with echo-message and PING barriers, is tested on the testnet.)
actor ScriptedTransport: ChatTransport {
    /// One `deliver` call: where it started.
    struct Attempt: Sendable, Hashable {
        var target: String
        var text: String
        var offset: Int
    }

    /// Reports queued per target (lower-cased), used up in order; then `.confirmed`.
    private var scripts: [String: [DeliveryReport]] = [:]
    /// Reports given every time for a target until changed.
    private var standing: [String: DeliveryReport] = [:]
    private var statuses: [String: ChannelStatus] = [:]
    /// Targets whose `deliver` does not return until `release()`.
    private var hanging: Set<String> = []
    private var hung: [CheckedContinuation<Void, Never>] = []
    private(set) var attempts: [Attempt] = []
    /// The pieces that reached the channel, in order.
    private(set) var wire: [String] = []
    /// Immediate answers (`send`).
    private(set) var replies: [OutgoingChat] = []
    /// `deliver` calls the caller cancelled while they hung.
    private(set) var cancellations = 0

    private func noteCancelled() { cancellations += 1 }

    /// Suspends until `count` hanging calls were cancelled (deadline: false when they never were).
    func waitForCancellations(_ count: Int, deadline: Duration = .seconds(30)) async -> Bool {
        let end = ContinuousClock.now.advanced(by: deadline)
        while cancellations < count {
            if ContinuousClock.now >= end { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    func send(_ line: OutgoingChat) async throws {
        replies.append(line)
    }

    func deliver(_ line: OutgoingChat, from offset: Int) async -> DeliveryReport {
        let key = line.target.lowercased()
        attempts.append(Attempt(target: line.target, text: line.text, offset: offset))
        if hanging.contains(key) {
            // A server that stopped answering: the caller giving up (cancelling) is noted, and
            // the report still comes only on `release()`, as a withdrawn line's answer does.
            await withTaskCancellationHandler {
                await withCheckedContinuation { hung.append($0) }
            } onCancel: {
                Task { await self.noteCancelled() }
            }
        }
        let report: DeliveryReport
        if var queued = scripts[key], !queued.isEmpty {
            report = queued.removeFirst()
            scripts[key] = queued
        } else {
            report = standing[key] ?? .confirmed
        }
        let bytes = Array(line.text.utf8)
        let end: Int
        switch report {
        case .confirmed: end = bytes.count
        case .interrupted(let confirmed), .refused(_, let confirmed): end = min(max(confirmed, offset), bytes.count)
        }
        if end > offset { wire.append(String(decoding: bytes[offset..<end], as: UTF8.self)) }
        return report
    }

    func channelStatus(network: String, channel: String) async -> ChannelStatus {
        statuses[channel.lowercased()] ?? .joined
    }

    func isJoined(network: String, channel: String) async -> Bool {
        await channelStatus(network: network, channel: channel) == .joined
    }

    // MARK: Script

    /// The next `deliver` calls for `target` report these, in order.
    func queue(_ reports: [DeliveryReport], for target: String) {
        scripts[target.lowercased(), default: []].append(contentsOf: reports)
    }

    /// Every `deliver` for `target` reports this until changed (nil: confirmed).
    func always(_ report: DeliveryReport?, for target: String) {
        standing[target.lowercased()] = report
    }

    func setStatus(_ status: ChannelStatus, of channel: String) {
        statuses[channel.lowercased()] = status
    }

    /// `deliver` for `target` waits until `release()` (a server that stopped answering).
    func hang(_ target: String) {
        hanging.insert(target.lowercased())
    }

    func release() {
        hanging = []
        let waiting = hung
        hung = []
        for continuation in waiting { continuation.resume() }
    }

    /// `deliver` calls for `target`.
    func attempts(for target: String) -> [Attempt] {
        attempts.filter { $0.target.lowercased() == target.lowercased() }
    }

    /// Suspends until `deliver` was called `count` times (deadline: false when it never was).
    func waitForAttempts(_ count: Int, deadline: Duration = .seconds(30)) async -> Bool {
        let end = ContinuousClock.now.advanced(by: deadline)
        while attempts.count < count {
            if ContinuousClock.now >= end { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }
}

/// Runs `operation`; false when it has not returned within `deadline` (it is then left
/// running: the test has failed and whatever blocks it is released by the test).
func returnsWithin(_ deadline: Duration, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
    let (finished, signal) = AsyncStream<Bool>.makeStream(bufferingPolicy: .unbounded)
    let work = Task {
        await operation()
        signal.yield(true)
    }
    let timer = Task {
        try? await Task.sleep(for: deadline)
        signal.yield(false)
    }
    var iterator = finished.makeAsyncIterator()
    let result = await iterator.next() ?? false
    timer.cancel()
    _ = work
    signal.finish()
    return result
}

/// Keeps what a logger said, to check what is logged once.
final class LogRecorder: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "test.delivery") { _ in Handler(recorder: self) }
    }

    func matching(_ text: String) -> [String] {
        lines.withLock { $0.filter { $0.contains(text) } }
    }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
                 function: String, line: UInt) {
            let fields = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            recorder.lines.withLock { $0.append("\(level) \(message) \(fields)") }
        }
    }
}
