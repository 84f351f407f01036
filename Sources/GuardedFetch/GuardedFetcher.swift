import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Downloads an image on someone's behalf within a `FetchPolicy`. The thin shell around the
/// policy: resolve the host once, check every address, connect to a checked address (so the
/// name is never looked up again), TLS verified against the URL's host name, one HTTP/1.1 GET,
/// the body streamed under the size cap, redirects followed by hand and checked like the first
/// URL, the connection closed on every path, everything within one deadline.
///
/// Not AsyncHTTPClient: it resolves the host itself when it connects and offers no hook to
/// connect to an address already checked while keeping SNI and hostname verification, so a
/// DNS answer could change between the check and the connection.
public struct GuardedFetcher: Sendable {
    public let policy: FetchPolicy
    public let limiter: DownloadLimiter
    let sslContext: NIOSSLContext
    let group: any EventLoopGroup
    let logger: Logger

    /// `tls` defaults to the system trust store with full verification; tests add their own CA.
    public init(policy: FetchPolicy = FetchPolicy(), limiter: DownloadLimiter = DownloadLimiter(),
                tls: TLSConfiguration = .makeClientConfiguration(),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "mjbridge.fetch")) throws {
        self.policy = policy
        self.limiter = limiter
        self.sslContext = try NIOSSLContext(configuration: tls)
        self.group = group
        self.logger = logger
    }

    /// Fetches `url` under this fetcher's policy, or `policy` for this call.
    public func fetch(_ url: String, policy override: FetchPolicy? = nil) async throws(FetchFailure) -> FetchedImage {
        let policy = override ?? self.policy
        let deadline = ContinuousClock.now.advanced(by: policy.timeout)
        let first = try policy.check(url: url)
        guard let permit = await limiter.acquire(bytes: policy.maxBytes, deadline: deadline) else { throw .timedOut }
        let result: Result<FetchedImage, FetchFailure>
        do {
            result = .success(try await follow(first, policy: policy, deadline: deadline))
        } catch let failure as FetchFailure {
            result = .failure(failure)
        } catch {
            result = .failure(ContinuousClock.now >= deadline ? .timedOut : .connectionFailed(Self.oneLine(error)))
        }
        await limiter.release(permit)
        return try result.get()
    }

    /// Requests `url`, then each redirect target (checked like the first) until an image comes back.
    private func follow(_ url: FetchURL, policy: FetchPolicy, deadline: ContinuousClock.Instant) async throws -> FetchedImage {
        var current = url
        var redirects = 0
        while true {
            let addresses = try await checkedAddresses(of: current, policy: policy, deadline: deadline)
            switch try await exchange(current, addresses: addresses, policy: policy, deadline: deadline) {
            case .image(let kind, let bytes):
                return FetchedImage(kind: kind, bytes: bytes, finalURL: current)
            case .redirect(let status, let location):
                redirects += 1
                let next = try policy.checkRedirect(from: current, to: location, status: status, redirects: redirects)
                logger.debug("image redirect", metadata: ["from": "\(current)", "to": "\(next)", "status": "\(status)"])
                current = next
            }
        }
    }

    // MARK: Steps

    /// The addresses of `url`'s host, every one allowed by the policy. An IP literal is not resolved.
    private func checkedAddresses(of url: FetchURL, policy: FetchPolicy, deadline: ContinuousClock.Instant) async throws -> [IPAddress] {
        let addresses: [IPAddress]
        if let literal = url.literal {
            addresses = [literal]
        } else {
            let host = url.host
            addresses = try await Self.withDeadline(deadline) { try await HostResolver.resolve(host) }
        }
        try policy.check(addresses: addresses, of: url.host)
        return addresses
    }

    private enum Answer {
        case image(ImageKind, [UInt8])
        case redirect(status: Int, location: String?)
    }

    private typealias HTTPChannel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    /// One request on a fresh connection to one of `addresses` (tried in order).
    private func exchange(_ url: FetchURL, addresses: [IPAddress], policy: FetchPolicy,
                          deadline: ContinuousClock.Instant) async throws -> Answer {
        let channel = try await connect(url, addresses: addresses, deadline: deadline)
        // The deadline closes the connection, which ends the reads below however far they got.
        let remaining = Self.timeAmount(until: deadline)
        let closer = channel.channel.eventLoop.scheduleTask(in: remaining) { [channel = channel.channel] in
            channel.close(promise: nil)
        }
        defer { closer.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: url.hostHeader)
            headers.add(name: "User-Agent", value: "mjbridge")
            headers.add(name: "Accept", value: policy.acceptedKinds.map(\.mediaType).sorted().joined(separator: ", "))
            headers.add(name: "Connection", value: "close")
            // Head and end in one write: a server answers (and, with `Connection: close`, hangs
            // up) as soon as it has the head. Written apart, a client thread held up between
            // the two (a loaded machine) met a channel already closed at the second and failed
            // with "I/O on closed channel" although the whole answer had arrived.
            try await outbound.write(contentsOf: [
                .head(HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target, headers: headers)),
                .end(nil),
            ])

            var body: [UInt8] = []
            var contentType: String?
            var kind: ImageKind?
            for try await part in inbound {
                switch part {
                case .head(let head):
                    let status = Int(head.status.code)
                    if (300..<400).contains(status), status != 304 {
                        return .redirect(status: status, location: head.headers.first(name: "Location"))
                    }
                    guard (200..<300).contains(status) else { throw FetchFailure.httpStatus(status) }
                    let announced = head.headers.first(name: "Content-Length").flatMap { Int($0) }
                    try policy.check(announcedLength: announced)
                    body.reserveCapacity(min(announced ?? 64 << 10, policy.maxBytes))
                    contentType = head.headers.first(name: "Content-Type")
                case .body(let buffer):
                    guard body.count + buffer.readableBytes <= policy.maxBytes else {
                        throw FetchFailure.tooLarge(limit: policy.maxBytes, announced: nil)
                    }
                    body += buffer.readableBytesView
                    if kind == nil { kind = try policy.check(body: body, complete: false, contentType: contentType) }
                case .end:
                    guard let found = try kind ?? policy.check(body: body, complete: true, contentType: contentType) else {
                        throw FetchFailure.notAnImage(contentType: contentType ?? "", firstBytes: "")
                    }
                    return .image(found, body)
                }
            }
            throw ContinuousClock.now >= deadline ? FetchFailure.timedOut : FetchFailure.connectionFailed("closed before the answer ended")
        }
    }

    /// A connection to the first of `addresses` that accepts one, with TLS for https.
    private func connect(_ url: FetchURL, addresses: [IPAddress], deadline: ContinuousClock.Instant) async throws -> HTTPChannel {
        var lastError: any Error = FetchFailure.connectionFailed("no address")
        for (index, address) in addresses.enumerated() {
            var remaining = Self.timeAmount(until: deadline)
            guard remaining > .zero else { throw FetchFailure.timedOut }
            // An address that drops SYNs must not use up the time the next one would need.
            if index < addresses.count - 1 { remaining = min(remaining, Self.connectTimeoutWithFallback) }
            do {
                // The very address that was checked: `SocketAddress(ipAddress:)` parses, never resolves.
                let target = try SocketAddress(ipAddress: address.description, port: url.port)
                let sslContext = self.sslContext
                return try await ClientBootstrap(group: group)
                    .connectTimeout(remaining)
                    .connect(to: target) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            if url.scheme == .https {
                                // SNI and verification against the URL's name; for an IP literal
                                // NIOSSL verifies the certificate against the peer address instead.
                                let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: url.literal == nil ? url.host : nil)
                                try channel.pipeline.syncOperations.addHandler(tls)
                            }
                            try channel.pipeline.syncOperations.addHTTPClientHandlers()
                            return try HTTPChannel(wrappingChannelSynchronously: channel)
                        }
                    }
            } catch {
                logger.debug("image host connection failed", metadata: ["address": "\(address)", "port": "\(url.port)", "error": "\(error)"])
                lastError = error
            }
        }
        throw lastError
    }

    // MARK: Helpers

    /// Connect timeout for an address when others are left to try.
    static let connectTimeoutWithFallback = TimeAmount.seconds(5)

    private static func timeAmount(until deadline: ContinuousClock.Instant) -> TimeAmount {
        let (seconds, attoseconds) = (deadline - ContinuousClock.now).components
        return .nanoseconds(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }

    /// `operation`'s result, or `.timedOut` at `deadline`. The operation is not awaited past the
    /// deadline (a blocking `getaddrinfo` cannot be interrupted; its late answer is dropped).
    static func withDeadline<T: Sendable>(_ deadline: ContinuousClock.Instant,
                                          _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let (results, sink) = AsyncStream.makeStream(of: Result<T, any Error>.self, bufferingPolicy: .bufferingOldest(1))
        let work = Task {
            do { sink.yield(.success(try await operation())) } catch { sink.yield(.failure(error)) }
            sink.finish()
        }
        let timer = Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            sink.yield(.failure(FetchFailure.timedOut))
            sink.finish()
        }
        defer {
            work.cancel()
            timer.cancel()
        }
        for await result in results { return try result.get() }
        throw FetchFailure.timedOut
    }

    static func oneLine(_ error: any Error) -> String {
        let text = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
        return text.isEmpty ? "unknown error" : String(text.prefix(300))
    }
}
