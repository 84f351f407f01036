import Foundation

/// Removes the API key from text that came from elsewhere (server messages, error descriptions)
/// before it reaches a log or a user. Some servers echo the token back ("Invalid token: …").
struct SecretRedactor: Sendable {
    static let placeholder = "<redacted>"
    private let secrets: [String]

    init(apiKey: String?, otherSecrets: [String] = []) {
        var secrets: [String] = []
        if let key = apiKey?.trimmingCharacters(in: .whitespaces) {
            secrets.append(key)
            if key.hasPrefix("Bearer ") { secrets.append(String(key.dropFirst("Bearer ".count))) }
        }
        secrets += otherSecrets.map { $0.trimmingCharacters(in: .whitespaces) }
        // Shorter ones are too short to search for without mangling ordinary text; such keys
        // are not secret anyway.
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    func redact(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: Self.placeholder)
        }
        return text
    }

    func redact(_ response: SubmitResponse) -> SubmitResponse {
        var response = response
        response.description = redact(response.description)
        response.properties = response.properties.mapValues(redact)
        response.result = redact(response.result)
        return response
    }

    func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): .string(redact(s))
        case .array(let a): .array(a.map(redact))
        case .object(let o): .object(o.mapValues(redact))
        default: value
        }
    }

    func redact(_ error: MJError) -> MJError {
        switch error {
        case .apiKeyRejected(let status, let hint): .apiKeyRejected(status: status, hint: redact(hint))
        case .notFound(let path): .notFound(path: redact(path))
        case .unreachable(let why): .unreachable(redact(why))
        case .connectionLost(let why): .connectionLost(redact(why))
        case .badBaseURL(let why): .badBaseURL(redact(why))
        case .redirected(let status, let location): .redirected(status: status, location: redact(location))
        case .decoding(let why): .decoding(redact(why))
        case .rejected(let response): .rejected(redact(response))
        case .invalidRequest(let why): .invalidRequest(redact(why))
        case .httpStatus(let status, let body): .httpStatus(status, redact(body))
        case .rateLimited, .server, .timeout, .cancelled: error
        }
    }
}
