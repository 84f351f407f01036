import AsyncHTTPClient

extension MidjourneyClient {
    /// One connection pool for every client in the process, never shut down (like
    /// `HTTPClient.shared`). The pool does not retry failed connection attempts: the client's
    /// `RetryPolicy` decides about retries, so an unreachable proxy is reported as unreachable
    /// at once instead of as a timeout when the request deadline passes.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
