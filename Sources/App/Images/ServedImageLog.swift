import Foundation

/// When each hosted image was last served, collected in memory and written to the catalog in
/// batches (`ImageHostingService` drains it), so a busy link costs no write per request.
public actor ServedImageLog {
    private var pending: [String: Date] = [:]

    public init() {}

    public func served(_ name: String, at date: Date) {
        pending[name] = max(pending[name] ?? date, date)
    }

    /// What was collected since the last drain.
    public func drain() -> [String: Date] {
        defer { pending = [:] }
        return pending
    }
}
