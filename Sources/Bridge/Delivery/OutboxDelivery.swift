import Foundation
import Logging
import Store

/// Hands the outbox to the transport, each line once: a line is marked sent only after the
/// transport took it, and only one flush runs at a time so two triggers (a callback and a
/// poll finishing together) cannot both send it. Lines for a channel the bot is not in wait
/// until it joins again.
public actor OutboxDelivery {
    private let store: any BotStore
    private let transport: any ChatTransport
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var isFlushing = false
    private var flushRequested = false

    public init(store: any BotStore, transport: any ChatTransport, now: @escaping @Sendable () -> Date, logger: Logger) {
        self.store = store
        self.transport = transport
        self.now = now
        self.logger = logger
    }

    /// Sends every line it can now. Returns when the outbox holds only lines that must wait
    /// (channel not joined, or the transport failed and they will be retried on the next flush).
    public func flush() async {
        if isFlushing {
            flushRequested = true
            return
        }
        isFlushing = true
        defer { isFlushing = false }
        repeat {
            flushRequested = false
            await flushOnce()
        } while flushRequested
    }

    private func flushOnce() async {
        let lines: [OutboxLine]
        do {
            lines = try await store.unsentLines()
        } catch {
            logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
            return
        }
        // A failed network keeps its remaining lines for later, in order.
        var failedNetworks: Set<String> = []
        var joined: [String: Bool] = [:]
        for line in lines {
            guard let id = line.id, !failedNetworks.contains(line.network) else { continue }
            if line.channelKey != nil {
                let key = "\(line.network)\u{1}\(line.channelKey ?? "")"
                let isIn: Bool
                if let known = joined[key] {
                    isIn = known
                } else {
                    isIn = await transport.isJoined(network: line.network, channel: line.target)
                    joined[key] = isIn
                }
                if !isIn { continue }
            }
            let outgoing = OutgoingChat(network: line.network, target: line.target, text: line.text,
                                        style: ChatStyle(rawValue: line.style) ?? .privmsg)
            do {
                try await transport.send(outgoing)
            } catch {
                logger.warning("delivery failed, will retry", metadata: ["network": "\(line.network)", "error": "\(error)"])
                failedNetworks.insert(line.network)
                continue
            }
            do {
                try await store.markSent(lineId: id, at: now())
            } catch {
                // The line went out but the mark did not stick: it may be said again after a
                // restart. Nothing better is possible without two-phase commit with IRC.
                logger.error("cannot mark a delivered line", metadata: ["line": "\(id)", "error": "\(error)"])
            }
        }
    }
}
