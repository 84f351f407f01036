/// How far one delivery got: its pieces' end offsets (UTF-8, in the text handed to the
/// splitter) and which were confirmed. Confirmations may come out of order (an error for a
/// later piece, labels answered in any order); the confirmed offset is the end of the longest
/// run of confirmed pieces from the start, since the next attempt resends from there.
public struct DeliveryProgress: Sendable, Hashable {
    public let ends: [Int]
    private var confirmed: [Bool]

    public init(ends: [Int]) {
        self.ends = ends
        self.confirmed = Array(repeating: false, count: ends.count)
    }

    public mutating func confirm(_ index: Int) {
        guard confirmed.indices.contains(index) else { return }
        confirmed[index] = true
    }

    public var isComplete: Bool { !confirmed.contains(false) }

    /// Where the next attempt starts: after the last piece of the confirmed run, 0 when the
    /// first piece is not confirmed.
    public var confirmedOffset: Int {
        let run = confirmed.firstIndex(of: false) ?? confirmed.count
        return run == 0 ? 0 : ends[run - 1]
    }
}
