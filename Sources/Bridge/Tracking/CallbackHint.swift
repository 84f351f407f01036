import Foundation

/// What the bot takes from a callback body: only the task id, and the `state` for ids it does
/// not know. Everything else in the body (status, image link, failure text) is ignored: the
/// path secret is known to the proxy's operator, so the body is a hint to ask the proxy again,
/// never the task's truth.
public struct CallbackHint: Sendable, Hashable {
    public var taskId: String
    public var state: String?

    /// Proxy ids are digits (13–19 of them) on every known proxy; anything longer or odder is
    /// not an id we could have and is not worth a question to the proxy.
    static let maxIdLength = 64

    public init(taskId: String, state: String?) {
        self.taskId = taskId
        self.state = state
    }

    /// Reads a callback body; nil when it has no plausible task id.
    public init?(body: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        let id: String
        if let text = object["id"] as? String {
            id = text
        } else if let number = object["id"] as? Int {
            id = String(number)
        } else {
            return nil
        }
        guard !id.isEmpty, id.utf8.count <= Self.maxIdLength,
              id.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") })
        else { return nil }
        taskId = id
        state = object["state"] as? String
    }

    /// A loggable sketch of untrusted text: its length and a short, printable prefix.
    static func sketch(_ text: String?) -> String {
        guard let text else { return "none" }
        let printable = String(String.UnicodeScalarView(text.unicodeScalars.prefix(24).map { s in
            s.isASCII && s.value >= 0x20 && s.value != 0x7F ? s : "?"
        }))
        return "\(text.utf8.count) bytes: \(printable)\(text.unicodeScalars.count > 24 ? "…" : "")"
    }
}
