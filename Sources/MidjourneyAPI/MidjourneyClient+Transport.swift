import AsyncHTTPClient
import Foundation
import Logging

/// One HTTP exchange, its mapping to `MJError`, and the retry loop for reads.
extension MidjourneyClient {
    enum Method: String, Sendable {
        case GET, POST
    }

    struct RawResponse: Sendable {
        var status: Int
        var retryAfter: String?
        var location: String? = nil
        var body: Data
    }

    /// A read: retried per `configuration.retryPolicy` on 5xx, timeouts, unreachable and 429.
    func read(_ method: Method, _ path: String, body: Data?) async throws(MJError) -> RawResponse {
        let policy = configuration.retryPolicy
        var attempt = 1
        while true {
            do {
                return try await exchange(method, path, body: body, timeout: configuration.timeouts.request, isSubmit: false)
            } catch {
                guard let pause = policy.pause(after: error, attempt: attempt) else { throw error }
                logger.info("retrying proxy read", metadata: [
                    "path": "\(path)", "attempt": "\(attempt)", "pause": "\(pause)",
                    "error": "\(redactor.redact(error).description)",
                ])
                do {
                    try await policy.sleep(pause)
                } catch {
                    throw .cancelled
                }
                attempt += 1
            }
        }
    }

    /// Sends once. Returns 2xx answers, and other statuses whose body is a proxy envelope (trueai
    /// answers 404 + code 3 for a missing parent task, 400 + code 4 for bad input); throws the
    /// matching `MJError` for everything else.
    /// `observed: false` leaves reporting the request to the caller (a submit, which knows
    /// the envelope's code).
    func exchange(_ method: Method, _ path: String, body: Data?, timeout: Duration, isSubmit: Bool, observed: Bool = true)
        async throws(MJError) -> RawResponse {
        guard observed, let observer else {
            return try await sendOnce(method, path, body: body, timeout: timeout, isSubmit: isSubmit)
        }
        let started = ContinuousClock.now
        do throws(MJError) {
            let raw = try await sendOnce(method, path, body: body, timeout: timeout, isSubmit: isSubmit)
            observer(ProxyRequestReport(endpoint: ProxyEndpoint(path: path), outcome: .ok, duration: ContinuousClock.now - started))
            return raw
        } catch {
            observer(ProxyRequestReport(endpoint: ProxyEndpoint(path: path), outcome: ProxyRequestOutcome(error),
                                        duration: ContinuousClock.now - started))
            throw error
        }
    }

    private func sendOnce(_ method: Method, _ path: String, body: Data?, timeout: Duration, isSubmit: Bool)
        async throws(MJError) -> RawResponse {
        let url = baseURL.url(for: path)
        var request = HTTPClientRequest(url: url)
        request.method = method == .GET ? .GET : .POST
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "mjbridge")
        for header in configuration.authStyle.headers(apiKey: configuration.apiKey) {
            request.headers.add(name: header.name, value: header.value)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }

        let raw: RawResponse
        do {
            raw = try await Self.run(request, on: httpClient, timeout: timeout, maxBytes: configuration.maxResponseBytes)
        } catch let error as TimeoutReached {
            _ = error
            logger.warning("proxy did not answer in time", metadata: ["method": "\(method)", "path": "\(path)"])
            throw .timeout(submit: isSubmit)
        } catch is CancellationError {
            throw .cancelled
        } catch is BodyTooLarge {
            throw .decoding("the answer to \(path) is larger than \(configuration.maxResponseBytes) bytes")
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                throw .timeout(submit: isSubmit)
            case .cancelled where Task.isCancelled:
                throw .cancelled
            case .connectTimeout:
                throw .unreachable("connecting to \(baseURL.origin) timed out")
            case .bodyLengthMismatch:
                throw .decoding("the answer to \(path) was truncated")
            case .remoteConnectionClosed:
                throw .connectionLost("\(baseURL.origin) closed the connection before answering")
            default:
                throw .unreachable("\(baseURL.origin): \(error)")
            }
        } catch {
            if Task.isCancelled { throw .cancelled }
            // A reset or broken pipe (NIO's IOError, read only by its text here: this target does
            // not import NIO) can come after the request went out; refused and DNS cannot.
            let text = "\(error)"
            if Self.isAfterSending(text) { throw .connectionLost("\(baseURL.origin): \(text)") }
            throw .unreachable("\(baseURL.origin): \(text)")
        }
        logger.debug("proxy answered", metadata: [
            "method": "\(method)", "path": "\(path)", "status": "\(raw.status)", "bytes": "\(raw.body.count)",
        ])
        return try classify(raw, url: url)
    }

    private func classify(_ raw: RawResponse, url: String) throws(MJError) -> RawResponse {
        switch raw.status {
        case 200..<300:
            return raw
        case 401, 403:
            let key = configuration.apiKey ?? ""
            var hint = configuration.authStyle.rejectionHint(apiKeyLooksLikeGatewayKey: key.hasPrefix("sk-"), hasKey: !key.isEmpty)
            let said = redactor.redact(MJError.snippet(of: raw.body, limit: 80))
            if !raw.body.isEmpty { hint += " (the proxy said: \(said))" }
            throw .apiKeyRejected(status: raw.status, hint: hint)
        case 429:
            throw .rateLimited(retryAfter: RetryAfter.parse(raw.retryAfter))
        case 500..<600:
            throw .server(status: raw.status)
        case 300..<400:
            // Never followed (see `sharedHTTPClient`); the Location tells the owner what to fix.
            let location = (raw.location ?? "").isEmpty ? "" : MJError.snippet(of: Data(raw.location!.utf8), limit: 200)
            throw .redirected(status: raw.status, location: redactor.redact(location))
        default:
            if let json = try? JSONValue.parse(raw.body), SubmitResponse(json: json) != nil {
                return raw
            }
            if raw.status == 404 { throw .notFound(path: url) }
            throw .httpStatus(raw.status, raw.body.isEmpty ? "" : redactor.redact(MJError.snippet(of: raw.body)))
        }
    }

    /// Errors that only happen on an established connection (ECONNRESET 104, EPIPE 32).
    static func isAfterSending(_ errorText: String) -> Bool {
        ["Connection reset by peer", "Broken pipe", "errno: 104)", "errno: 32)"].contains { errorText.contains($0) }
    }

    struct TimeoutReached: Error {}
    struct BodyTooLarge: Error {}

    /// Races the whole exchange, body included, against `timeout`: AsyncHTTPClient's deadline
    /// only covers the time until the response head.
    private static func run(_ request: HTTPClientRequest, on client: HTTPClient, timeout: Duration, maxBytes: Int)
        async throws -> RawResponse {
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return try await withThrowingTaskGroup(of: RawResponse?.self) { group in
            group.addTask {
                let response = try await client.execute(request, timeout: .nanoseconds(nanoseconds))
                var body = Data()
                for try await chunk in response.body {
                    guard body.count + chunk.readableBytes <= maxBytes else { throw BodyTooLarge() }
                    body.append(contentsOf: chunk.readableBytesView)
                }
                return RawResponse(status: Int(response.status.code),
                                   retryAfter: response.headers.first(name: "Retry-After"),
                                   location: response.headers.first(name: "Location"),
                                   body: body)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else { throw TimeoutReached() }
            return response
        }
    }
}
