import CoreMetrics
import Synchronization

/// A small swift-metrics backend that keeps counters, gauges and timer sums in memory and
/// renders them in the Prometheus text format for `GET /metrics`.
///
/// Metrics are recorded synchronously from any thread, so one `Mutex` guards the table; it is
/// the only lock in the code base and never held across an `await`.
public final class MetricsRegistry: MetricsFactory, Sendable {
    fileprivate struct Key: Hashable, Comparable {
        var name: String
        var labels: String
        static func < (a: Key, b: Key) -> Bool { (a.name, a.labels) < (b.name, b.labels) }
    }

    private let table = Mutex<[Key: Series]>([:])

    public init() {}

    fileprivate func apply(_ name: String, _ dimensions: [(String, String)], kind: Kind, _ change: (inout Series) -> Void) {
        let labels = dimensions.map { "\(sanitize($0.0))=\"\(escape($0.1))\"" }.joined(separator: ",")
        table.withLock { table in
            let key = Key(name: sanitize(name), labels: labels)
            var series = table[key] ?? Series(kind: kind)
            change(&series)
            table[key] = series
        }
    }

    /// Shorthand for the bot's own counters with one `result` label.
    public func increment(_ name: String, label: String) {
        increment(name, labels: [("result", label)])
    }

    public func increment(_ name: String, labels: [(String, String)]) {
        apply(name, labels, kind: .counter) { $0.value += 1 }
    }

    public func prometheusText() -> String {
        let snapshot = table.withLock { $0 }
        var out = ""
        var typed = Set<String>()
        for key in snapshot.keys.sorted() {
            let series = snapshot[key]!
            if typed.insert(key.name).inserted { out += "# TYPE \(key.name) \(series.kind.rawValue)\n" }
            let labels = key.labels.isEmpty ? "" : "{\(key.labels)}"
            switch series.kind {
            case .counter, .gauge:
                out += "\(key.name)\(labels) \(format(series.value))\n"
            case .summary:
                out += "\(key.name)_sum\(labels) \(format(series.value))\n"
                out += "\(key.name)_count\(labels) \(series.count)\n"
            }
        }
        return out
    }

    private func format(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }
    private func sanitize(_ s: String) -> String { String(s.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" }) }
    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    // MARK: MetricsFactory

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        Handler(registry: self, name: label, dimensions: dimensions, kind: .counter)
    }
    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        Handler(registry: self, name: label, dimensions: dimensions, kind: .counter)
    }
    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        Handler(registry: self, name: label, dimensions: dimensions, kind: .gauge)
    }
    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(registry: self, name: label, dimensions: dimensions, kind: aggregate ? .summary : .gauge)
    }
    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        Handler(registry: self, name: label + "_seconds", dimensions: dimensions, kind: .summary)
    }
    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}
}

fileprivate enum Kind: String { case counter, gauge, summary }
fileprivate struct Series { var kind: Kind; var value: Double = 0; var count: Int = 0 }

private final class Handler: CounterHandler, FloatingPointCounterHandler, MeterHandler, RecorderHandler, TimerHandler, Sendable {
    let registry: MetricsRegistry
    let name: String
    let dimensions: [(String, String)]
    let kind: Kind

    init(registry: MetricsRegistry, name: String, dimensions: [(String, String)], kind: Kind) {
        self.registry = registry
        self.name = name
        self.dimensions = dimensions
        self.kind = kind
    }

    private func update(_ change: (inout Series) -> Void) { registry.apply(name, dimensions, kind: kind, change) }

    func increment(by amount: Int64) { update { $0.value += Double(amount) } }
    func increment(by amount: Double) { update { $0.value += amount } }
    func decrement(by amount: Double) { update { $0.value -= amount } }
    func set(_ value: Int64) { update { $0.value = Double(value) } }
    func set(_ value: Double) { update { $0.value = value } }
    func reset() { update { $0.value = 0; $0.count = 0 } }
    func record(_ value: Int64) { record(Double(value)) }
    func record(_ value: Double) {
        update { series in
            if series.kind == .summary { series.value += value; series.count += 1 } else { series.value = value }
        }
    }
    func recordNanoseconds(_ duration: Int64) { record(Double(duration) / 1e9) }
}
