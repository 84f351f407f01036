/// The shortest time in which an IRC server with InspIRCd-style fake lag can pass `lines`
/// commands sent at once — the physical limit the flood-safe delivery benchmark compares with.
///
/// InspIRCd 3 adds each command's penalty (1 for PRIVMSG, in units of 1000) to the client's
/// `CommandFloodPenalty` and stops reading the client while that is at or above `threshold`
/// × 1000; once a second it takes `commandRate` off again. So `threshold` commands pass at
/// once, and after that `commandRate / 1000` per second:
///
///     minimum = max(0, lines − threshold) × 1000 / commandRate   seconds
///
/// (from a drained penalty). The once-a-second step makes a real run land up to one second
/// either side of this, depending on where the first step falls.
public struct FakeLagMinimum: Sendable, Equatable {
    /// `<connect threshold>`: commands that pass at once.
    public var threshold: Int
    /// `<connect commandrate>`: penalty taken off per second; 1000 = one command a second.
    public var commandRate: Int

    public init(threshold: Int, commandRate: Int) {
        self.threshold = threshold
        self.commandRate = commandRate
    }

    /// Commands per second once the first `threshold` are through.
    public var linesPerSecond: Double { Double(commandRate) / 1000 }

    public func minimumSeconds(lines: Int) -> Double {
        Double(Swift.max(0, lines - threshold)) / linesPerSecond
    }

    /// How far over the minimum `seconds` is, as a fraction (0.1 = 10 % slower); 0 when the
    /// minimum is zero and `seconds` is too.
    public func excess(seconds: Double, lines: Int) -> Double {
        let minimum = minimumSeconds(lines: lines)
        guard minimum > 0 else { return seconds > 0 ? .infinity : 0 }
        return seconds / minimum - 1
    }
}
