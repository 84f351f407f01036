/// Word-at-a-time ("SWAR") byte search for the parser: eight bytes per step with plain integer
/// arithmetic, no intrinsics, exact (no false positives), falling back to a byte loop for the
/// tail and on big-endian machines.
enum ByteSearch {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// 0x80 in every byte of `x` that is zero, 0 elsewhere (no borrow between bytes).
    @inline(__always)
    private static func zeroBytes(_ x: UInt64) -> UInt64 {
        ~(((x & low7) &+ low7) | x | low7)
    }

    @inline(__always)
    private static func word(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt64 {
        UnsafeRawPointer(b.baseAddress!).loadUnaligned(fromByteOffset: i, as: UInt64.self)
    }

    /// Index of the first byte equal to `c1` or `c2` in `start..<end`, or `end`.
    @inline(__always)
    static func first(of c1: UInt8, _ c2: UInt8, in b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = start
        #if _endian(little)
        let p1 = UInt64(c1) &* ones
        let p2 = UInt64(c2) &* ones
        while i &+ 8 <= end {
            let w = word(b, i)
            let hits = zeroBytes(w ^ p1) | zeroBytes(w ^ p2)
            if hits != 0 { return i &+ hits.trailingZeroBitCount >> 3 }
            i &+= 8
        }
        #endif
        while i < end, b[i] != c1, b[i] != c2 { i &+= 1 }
        return i
    }

    /// Index of the first NUL, CR or LF in `start..<end`, or `end`.
    static func firstLineBreaker(in b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = start
        #if _endian(little)
        let cr = 0x0D &* ones
        let lf = 0x0A &* ones
        let highBits = 0x80 &* ones
        while i &+ 8 <= end {
            let w = word(b, i)
            // Cheap pre-test: does any byte lie below 0x0E (exact for "any", Bit Twiddling
            // Hacks' hasless)? Text almost never has one, so the exact test rarely runs.
            if (w &- 0x0E &* ones) & ~w & highBits != 0 {
                let hits = zeroBytes(w) | zeroBytes(w ^ cr) | zeroBytes(w ^ lf)
                if hits != 0 { return i &+ hits.trailingZeroBitCount >> 3 }
            }
            i &+= 8
        }
        #endif
        while i < end {
            let byte = b[i]
            if byte == 0 || byte == 0x0D || byte == 0x0A { return i }
            i &+= 1
        }
        return i
    }

    /// How many bytes in `start..<end` equal `c`.
    static func count(of c: UInt8, in b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var count = 0
        var i = start
        #if _endian(little)
        let pattern = UInt64(c) &* ones
        while i &+ 8 <= end {
            count &+= zeroBytes(word(b, i) ^ pattern).nonzeroBitCount
            i &+= 8
        }
        #endif
        while i < end {
            if b[i] == c { count &+= 1 }
            i &+= 1
        }
        return count
    }

    /// Whether the eight bytes at `i` are all ASCII (caller guarantees `i + 8 <= count`).
    @inline(__always)
    static func isASCIIWord(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        word(b, i) & (0x80 &* ones) == 0
    }

    /// The bytes of `start..<end` (at most 8) packed little-endian into a word, zero-padded:
    /// a cheap key to recognise a short, common word without making a String.
    @inline(__always)
    static func packed(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> UInt64 {
        var value: UInt64 = 0
        var i = end
        while i > start {
            i &-= 1
            value = value << 8 | UInt64(b[i])
        }
        return value
    }

    /// `packed` of a literal, for building lookup tables.
    static func packed(_ literal: String) -> UInt64 {
        var value: UInt64 = 0
        for byte in literal.utf8.reversed() { value = value << 8 | UInt64(byte) }
        return value
    }
}
