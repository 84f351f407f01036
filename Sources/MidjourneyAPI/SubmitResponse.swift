import Foundation

/// The answer to a submit (and to cancel, image-seed and upload-discord-images).
///
/// Accepts both envelopes (contract §3): `{code, description, result, properties}` and trueai's
/// exception shape `{success:false, code:-1, message, timestamp}`. `result` may be a string, a
/// number, a list, or comma-separated ids (trueai's "Imagine all").
public struct SubmitResponse: Sendable, Hashable {
    public var code: ReturnCode
    /// `description`, or trueai's `message`; may be Chinese (see `ProxyText.english(for:)`).
    public var description: String
    public var result: JSONValue
    public var properties: [String: JSONValue]

    public init(code: ReturnCode, description: String, result: JSONValue = .null, properties: [String: JSONValue] = [:]) {
        self.code = code
        self.description = description
        self.result = result
        self.properties = properties
    }

    /// The (first) task id in `result`.
    public var taskId: String? { taskIds.first }

    /// All ids in `result`: one for a normal submit, several for a list or a comma-separated string.
    public var taskIds: [String] {
        switch result {
        case .array(let values):
            return values.compactMap { $0.stringValue }.filter { !$0.isEmpty }
        case .string(let s):
            return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        default:
            if let s = result.stringValue, !s.isEmpty { return [s] }
            return []
        }
    }

    /// `result` as a list of strings (upload-discord-images answers URLs this way).
    public var resultStrings: [String] {
        if case .array(let values) = result { return values.compactMap { $0.stringValue } }
        if let s = result.stringValue, !s.isEmpty { return [s] }
        return []
    }

    /// Tasks ahead of this one (code 22).
    public var numberOfQueues: Int? { properties["numberOfQueues"]?.intValue }
    /// Code 21: the prompt to pre-fill; describe/shorten: the server's rendering of the prompt.
    public var finalPrompt: String? { properties["finalPrompt"]?.stringValue }
    /// Code 24: the offending word.
    public var bannedWord: String? { properties["bannedWord"]?.stringValue }
    /// Code 24: the prompt as translated for the check.
    public var promptEn: String? { properties["promptEn"]?.stringValue }
    public var discordInstanceId: String? { properties["discordInstanceId"]?.stringValue }

    /// Interprets a parsed body; `nil` when it is not a submit envelope (no numeric `code`).
    public init?(json: JSONValue) {
        guard case .object(let object) = json, let code = object["code"]?.intValue else { return nil }
        self.code = ReturnCode(code)
        self.description = object["description"]?.stringValue ?? object["message"]?.stringValue ?? ""
        self.result = object["result"] ?? .null
        self.properties = object["properties"]?.objectValue ?? [:]
    }

    /// Decodes a body; throws `.decoding` for anything that is not one of the two envelopes.
    public static func decode(_ data: Data) throws(MJError) -> SubmitResponse {
        let json: JSONValue?
        do {
            json = try JSONValue.parse(data)
        } catch {
            throw .decoding("the proxy answered something that is not JSON (\(MJError.snippet(of: data))); is the base URL the proxy's API?")
        }
        guard let json else { throw .decoding("the proxy answered with an empty body") }
        guard let response = SubmitResponse(json: json) else {
            throw .decoding("the proxy's answer has no 'code' field (\(MJError.snippet(of: data)))")
        }
        return response
    }
}
