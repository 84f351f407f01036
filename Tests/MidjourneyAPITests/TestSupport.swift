import AsyncHTTPClient
import Foundation
import Logging
import MidjourneyAPI
import Synchronization

/// Collects everything logged, to prove the key never reaches a log.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "test.midjourney") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append("\(event.level) \(event.message) \(merged)")
        }
    }
}

/// Records the pauses the retry loop asks for, without waiting.
final class SleepLog: Sendable {
    private let pauses = Mutex<[Duration]>([])
    var all: [Duration] { pauses.withLock { $0 } }

    func policy(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(100), maxRetryAfter: Duration = .seconds(30)) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, baseDelay: baseDelay, maxDelay: .seconds(5), jitter: 0,
                    maxRetryAfter: maxRetryAfter, random: { 0 }, sleep: { pause in self.pauses.withLock { $0.append(pause) } })
    }

    /// Like `policy`, and runs `onPause` during each pause (e.g. to make the simulator recover
    /// while the client waits), so a retry meets a changed server without a timed wait.
    func policy(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(100),
                onPause: @escaping @Sendable () async -> Void) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, baseDelay: baseDelay, maxDelay: .seconds(5), jitter: 0,
                    random: { 0 }, sleep: { pause in
                        self.pauses.withLock { $0.append(pause) }
                        await onPause()
                    })
    }
}

let testKey = "k3y-VERY-secret-4242"

func makeClient(_ baseURL: String, apiKey: String? = testKey, authStyle: AuthStyle = .both,
                retry: RetryPolicy = .none, timeout: Duration = .seconds(10), listBatchSize: Int = 100,
                logger: Logger = Logger(label: "test")) throws(MJError) -> MidjourneyClient {
    let configuration = MidjourneyConfiguration(baseURL: baseURL, apiKey: apiKey, authStyle: authStyle,
                                                timeouts: .init(request: timeout, upload: timeout),
                                                retryPolicy: retry, listBatchSize: listBatchSize)
    return try MidjourneyClient(configuration: configuration, httpClient: MidjourneyClient.sharedHTTPClient, logger: logger)
}

/// Runs `body` and returns the MJError it throws (nil if it did not throw).
func mjError<T>(_ body: () async throws(MJError) -> T) async -> MJError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error
    }
}

func taskJSON(id: String, status: String = "SUCCESS", progress: String = "100%") -> String {
    #"{"id":"\#(id)","action":"IMAGINE","status":"\#(status)","progress":"\#(progress)","prompt":"p","buttons":[],"properties":{}}"#
}
