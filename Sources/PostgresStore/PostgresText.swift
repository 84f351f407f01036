import PostgresNIO

/// Text as PostgreSQL can keep it. PostgreSQL rejects U+0000 in `text` (22021) where SQLite
/// stores it, and chat input can carry it (a Matrix event may hold `\u0000`). The store decides
/// here, at its boundary, so a command that works on SQLite never fails only on PostgreSQL:
/// every text value bound into a statement has NUL replaced by U+FFFD. JSON bodies are not
/// affected (the encoder escapes NUL), so records read back exactly; a value read from a column
/// (a held or dead-letter reason, a nick, a Matrix id) shows U+FFFD where NUL was. Lookups bind
/// their keys the same way, so they still find what was written.
enum PostgresText {
    static func storable(_ text: String) -> String {
        text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
    }
}

/// Every `\(text)` in this module's queries goes through `PostgresText.storable` (these
/// non-generic overloads win over PostgresNIO's generic ones).
extension PostgresQuery.StringInterpolation {
    mutating func appendInterpolation(_ value: String) {
        appendEncodable(PostgresText.storable(value))
    }

    mutating func appendInterpolation(_ value: String?) {
        appendEncodable(value.map(PostgresText.storable))
    }

    mutating func appendInterpolation(_ value: [String]) {
        appendEncodable(value.map(PostgresText.storable))
    }

    private mutating func appendEncodable<Value: PostgresDynamicTypeEncodable>(_ value: Value) {
        appendInterpolation(value)
    }

    private mutating func appendEncodable<Value: PostgresDynamicTypeEncodable>(_ value: Value?) {
        appendInterpolation(value)
    }
}
