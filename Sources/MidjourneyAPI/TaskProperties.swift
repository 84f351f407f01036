/// A task's `properties` object: every key as received, with accessors for the useful ones
/// (contract §5.2).
public struct TaskProperties: Sendable, Hashable, Codable {
    public var values: [String: JSONValue]

    public init(_ values: [String: JSONValue] = [:]) { self.values = values }

    public subscript(key: String) -> JSONValue? { values[key] }

    /// The prompt as Midjourney echoed it; DESCRIBE: the four numbered prompts; SHORTEN: the analysis.
    public var finalPrompt: String? { string("finalPrompt") }
    public var finalZhPrompt: String? { string("finalZhPrompt") }
    /// The Midjourney job UUID inside every button's customId.
    public var messageHash: String? { string("messageHash") }
    public var discordInstanceId: String? { string("discordInstanceId") }
    public var botType: String? { string("botType") }
    public var notifyHook: String? { string("notifyHook") }

    private func string(_ key: String) -> String? {
        guard let value = values[key]?.stringValue, !value.isEmpty else { return nil }
        return value
    }

    public init(from decoder: any Decoder) throws {
        let json = try JSONValue(from: decoder)
        values = json.objectValue ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(values).encode(to: encoder)
    }
}
