import AsyncHTTPClient

extension MidjourneyClient {
    /// One connection pool for every client in the process, never shut down (like
    /// `HTTPClient.shared`). The pool does not retry failed connection attempts: the client's
    /// `RetryPolicy` decides about retries, so an unreachable proxy is reported as unreachable
    /// at once instead of as a timeout when the request deadline passes.
    ///
    /// Redirects are never followed: the client would send the API key (`mj-api-secret`
    /// survives AsyncHTTPClient's cross-origin stripping) to wherever a `Location` points. A
    /// 3xx from the proxy is reported as `MJError.redirected` instead. Any `HTTPClient` given to
    /// `MidjourneyClient` must be configured the same way.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
