import Foundation

/// A Prometheus text exposition read back as numbers, so tests check values, not names.
/// Series are keyed by name and labels sorted by label name: `name{a="1",b="2"}`.
struct PrometheusScrape: CustomStringConvertible {
    let text: String
    private(set) var values: [String: Double] = [:]

    init(_ text: String) {
        self.text = text
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[Self.key(String(line[..<space]))] = value
        }
    }

    /// The value of one series; `labels` in any order. Nil when the series is absent.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        values[Self.key(name: name, labels: labels)]
    }

    /// The sum over every series of `name` whose labels include `labels`.
    func sum(_ name: String, where labels: [String: String] = [:]) -> Double {
        values.filter { key, _ in
            guard key == name || key.hasPrefix(name + "{") else { return false }
            return labels.allSatisfy { key.contains("\($0.key)=\"\($0.value)\"") }
        }.values.reduce(0, +)
    }

    var description: String { text }

    private static func key(name: String, labels: [String: String]) -> String {
        guard !labels.isEmpty else { return name }
        return name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }

    private static func key(_ series: String) -> String {
        guard let brace = series.firstIndex(of: "{"), series.hasSuffix("}") else { return series }
        let name = String(series[..<brace])
        var labels: [String: String] = [:]
        // Label values here never hold commas or quotes (bounded label sets).
        for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            labels[String(parts[0])] = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return key(name: name, labels: labels)
    }
}
