/// Which headers carry the API key.
///
/// The servers disagree (contract §1): novicezk/plus read `mj-api-secret`; trueai reads
/// `Authorization` *verbatim* (a `Bearer ` prefix makes the token wrong) and falls back to
/// `mj-api-secret`; new-api gateways want `Authorization: Bearer sk-…` and fall back to
/// `mj-api-secret` only when Authorization is empty.
public enum AuthStyle: String, Sendable, Hashable, CaseIterable {
    /// `mj-api-secret: <key>` and `Authorization: <key>` (raw). Works with novicezk, plus and
    /// trueai; the default.
    case both
    /// `Authorization: Bearer <key>` for aggregators (new-api and its clones). `mj-api-secret: <key>`
    /// is sent as well: new-api ignores it when Authorization is set, and it lets the same setting
    /// work against a novicezk/plus server. (trueai would reject the Bearer value: use `.both` there.)
    case bearer
    /// Only `mj-api-secret: <key>`.
    case mjApiSecret = "mj-api-secret"
    /// Only `Authorization: <key>` (raw).
    case authorization

    /// Parses a configuration value: `both`, `bearer`, `mj-api-secret`, `authorization`
    /// (case-insensitive; `mjApiSecret`, `raw` and `secret` are accepted as aliases).
    public init?(configValue: String) {
        switch configValue.lowercased().trimmingCharacters(in: .whitespaces) {
        case "both", "default": self = .both
        case "bearer": self = .bearer
        case "mj-api-secret", "mjapisecret", "secret": self = .mjApiSecret
        case "authorization", "raw": self = .authorization
        default: return nil
        }
    }

    /// Header name/value pairs to send; empty when there is no key (open proxies).
    public func headers(apiKey: String?) -> [(name: String, value: String)] {
        guard let key = apiKey, !key.isEmpty else { return [] }
        switch self {
        case .both:
            return [("mj-api-secret", key), ("Authorization", key)]
        case .bearer:
            let token = key.hasPrefix("Bearer ") ? String(key.dropFirst("Bearer ".count)) : key
            return [("Authorization", "Bearer " + token), ("mj-api-secret", token)]
        case .mjApiSecret:
            return [("mj-api-secret", key)]
        case .authorization:
            return [("Authorization", key)]
        }
    }

    /// What to tell a user whose key was refused while using this style.
    func rejectionHint(apiKeyLooksLikeGatewayKey: Bool, hasKey: Bool) -> String {
        guard hasKey else {
            return "no API key is configured; set the proxy's secret/token as the api key"
        }
        switch self {
        case .both, .mjApiSecret, .authorization:
            var hint = "check the api key"
            if apiKeyLooksLikeGatewayKey {
                hint += "; the key looks like a gateway key (sk-…): set auth style to 'bearer'"
            } else {
                hint += "; for new-api style gateways set auth style to 'bearer'"
            }
            if self != .both { hint += ", for trueai/novicezk servers use 'both'" }
            return hint
        case .bearer:
            return "check the api key; trueai-org servers want the raw token without 'Bearer ': set auth style to 'both'"
        }
    }
}
