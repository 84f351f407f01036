/// The capabilities a server advertised (`CAP LS`, `CAP NEW`), with their CAP 302 values.
public struct CapabilityList: Sendable, Hashable {
    /// Name → value; a capability without `=` has value nil.
    public private(set) var values: [String: String?] = [:]

    public init() {}

    /// Parses a space-separated `a b=c d=` list.
    public init(parsing text: String) {
        add(parsing: text)
    }

    public mutating func add(parsing text: String) {
        for token in text.split(separator: " ", omittingEmptySubsequences: true) {
            if let eq = token.firstIndex(of: "=") {
                values[String(token[..<eq])] = String(token[token.index(after: eq)...])
            } else {
                values[String(token)] = .some(nil)
            }
        }
    }

    public mutating func remove(_ name: String) {
        values[name] = nil
    }

    public func contains(_ name: String) -> Bool {
        values[name] != nil
    }

    /// The value of an offered capability; nil when absent or valueless.
    public func value(of name: String) -> String? {
        values[name] ?? nil
    }

    /// For list-valued capabilities such as `sasl=PLAIN,EXTERNAL`; nil when no list was given.
    public func listValue(of name: String) -> [String]? {
        guard let value = value(of: name), !value.isEmpty else { return nil }
        return value.split(separator: ",").map(String.init)
    }
}
