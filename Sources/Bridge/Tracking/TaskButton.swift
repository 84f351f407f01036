import Foundation
import MidjourneyAPI

/// One button of a finished task, kept as the proxy sent it: the `customId` goes back verbatim.
public struct TaskButton: Sendable, Hashable, Codable {
    public var customId: String
    public var label: String
    public var emoji: String

    public init(customId: String, label: String = "", emoji: String = "") {
        self.customId = customId
        self.label = label
        self.emoji = emoji
    }

    public var kind: ButtonKind { ButtonKind(customId: customId, label: label, emoji: emoji) }

    /// How `!btn` and help show it: the label, else the emoji, else the kind.
    public var displayName: String {
        if !label.isEmpty { return label }
        if !emoji.isEmpty { return emoji }
        return "\(kind)"
    }

    static func encode(_ buttons: [TaskButton]) -> String? {
        guard !buttons.isEmpty, let data = try? JSONEncoder().encode(buttons) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ json: String?) -> [TaskButton] {
        guard let json, let buttons = try? JSONDecoder().decode([TaskButton].self, from: Data(json.utf8)) else { return [] }
        return buttons
    }
}
