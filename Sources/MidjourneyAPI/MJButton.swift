/// A button a finished task offers (`buttons[]`, plus and trueai only). Press it by sending its
/// `customId` unchanged to `/submit/action`; the client never builds a customId (contract §6).
public struct MJButton: Sendable, Hashable, Codable {
    public var customId: String
    public var emoji: String
    public var label: String
    /// 2 = button.
    public var type: Int?
    /// 2 = normal, 3 = already used (green).
    public var style: Int?

    public init(customId: String, emoji: String = "", label: String = "", type: Int? = 2, style: Int? = 2) {
        self.customId = customId
        self.emoji = emoji
        self.label = label
        self.type = type
        self.style = style
    }

    /// Nil for entries without a customId (link buttons have nothing to press).
    public init?(json: JSONValue) {
        guard let customId = json["customId"]?.stringValue ?? json["custom_id"]?.stringValue,
              !customId.isEmpty else { return nil }
        self.customId = customId
        self.emoji = json["emoji"]?.stringValue ?? ""
        self.label = json["label"]?.stringValue ?? ""
        self.type = json["type"]?.intValue
        self.style = json["style"]?.intValue
    }

    public init(from decoder: any Decoder) throws {
        let json = try JSONValue(from: decoder)
        guard let button = MJButton(json: json) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "button without customId"))
        }
        self = button
    }

    /// What pressing it does, from customId, else label and emoji.
    public var kind: ButtonKind { ButtonKind(customId: customId, label: label, emoji: emoji) }

    /// Whether the server will always answer code 21 and wait for `/submit/modal`.
    public var needsModal: Bool { kind.modal == .always }

    /// Whether the server already marked it as used (Midjourney turns pressed buttons green).
    public var isUsed: Bool { style == 3 }
}
