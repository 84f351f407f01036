import AsyncHTTPClient
import Logging
import MidjourneyAPI

/// The proxy clients one bot uses: the configured base URL, plus, when speed modes are
/// routed by path, one client per `/mj-fast`, `/mj-relax`, `/mj-turbo` prefix of it.
struct ProxyClients: Sendable {
    let main: MidjourneyClient
    let byMode: [SpeedMode: MidjourneyClient]

    /// `otherSecrets`: the callback secret, which the proxy may echo back inside `notifyHook`.
    init(_ proxy: ProxySettings, otherSecrets: [String] = [], httpClient: HTTPClient = MidjourneyClient.sharedHTTPClient,
         logger: Logger, observer: ProxyRequestObserver? = nil) throws(MJError) {
        let timeouts = MidjourneyConfiguration.Timeouts(request: .milliseconds(Int64(proxy.requestTimeoutSeconds * 1000)))
        func configuration(_ baseURL: String) -> MidjourneyConfiguration {
            var configuration = MidjourneyConfiguration(baseURL: baseURL, apiKey: proxy.apiKey?.value,
                                                        authStyle: AuthStyle(configValue: proxy.authStyle) ?? .both,
                                                        timeouts: timeouts, listBatchSize: proxy.pollBatchSize)
            configuration.otherSecrets = otherSecrets
            return configuration
        }
        main = try MidjourneyClient(configuration: configuration(proxy.baseURL), httpClient: httpClient, logger: logger,
                                    observer: observer)
        var byMode: [SpeedMode: MidjourneyClient] = [:]
        if proxy.speedModeRouting == "path" {
            let base = try ProxyBaseURL(proxy.baseURL)
            // A base URL that already names a mode keeps it for plain prompts; the others are
            // built next to it so `--relax` on a `/mj-fast` base still reaches `/mj-relax`.
            let root = base.origin + base.pathPrefix.map { "/" + $0 }.joined()
            for mode in SpeedMode.allCases {
                byMode[mode] = try MidjourneyClient(configuration: configuration("\(root)/\(mode.rawValue)/mj"),
                                                    httpClient: httpClient, logger: logger, observer: observer)
            }
        }
        self.byMode = byMode
    }
}
