/// What a `Range` header asks of a body of `size` bytes. Only one `bytes=` range is honoured
/// (several ranges would need multipart answers nobody uses for images): a list, another unit
/// or a malformed value is ignored as RFC 9110 allows, and the whole body is sent.
public enum ByteRangeRequest: Hashable, Sendable {
    case whole
    /// 206 with these bytes.
    case partial(Range<Int>)
    /// 416: the range starts past the end.
    case unsatisfiable

    public init(header: String?, size: Int) {
        guard let header else { self = .whole; return }
        let value = header.trimmingBlanks()
        guard value.hasPrefix("bytes="), !value.contains(",") else { self = .whole; return }
        let spec = value.dropFirst("bytes=".count).trimmingBlanks()
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { self = .whole; return }
        let first = parts[0], last = parts[1]
        guard first.allSatisfy(\.isASCIIDigit), last.allSatisfy(\.isASCIIDigit), first.count <= 18, last.count <= 18 else {
            self = .whole
            return
        }
        if first.isEmpty {
            // Suffix: the last N bytes.
            guard let count = Int(last), count > 0 else { self = last.isEmpty ? .whole : .unsatisfiable; return }
            guard size > 0 else { self = .unsatisfiable; return }
            self = .partial(max(0, size - count)..<size)
            return
        }
        guard let start = Int(first) else { self = .whole; return }
        let end: Int
        if last.isEmpty {
            end = size - 1
        } else {
            guard let value = Int(last), value >= start else { self = .whole; return }
            end = min(value, size - 1)
        }
        guard start < size else { self = .unsatisfiable; return }
        self = .partial(start..<(end + 1))
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (header whitespace).
    func trimmingBlanks() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
