// The parser works on a contiguous UTF-8 buffer with integer offsets: no regex, no Scanner, no
// intermediate Substrings. The only allocations are the resulting strings (most params fit in
// Swift's 15-byte small-string form and allocate nothing) and the params array. The tag section
// is not decoded here at all (see `Message.rawTags`): parsed from a String it is a slice of that
// String, from bytes one String.

private let space: UInt8 = 0x20
private let colon: UInt8 = 0x3A
private let at: UInt8 = 0x40
private let bang: UInt8 = 0x21
private let cr: UInt8 = 0x0D
private let lf: UInt8 = 0x0A

// Upper-case only: a lower-case command takes the slow path that upper-cases it.
private let commonCommands = ["PRIVMSG", "NOTICE", "PING", "PONG", "JOIN", "PART", "QUIT", "MODE", "NICK", "KICK",
                              "TAGMSG", "CAP", "ACCOUNT", "AWAY", "CHGHOST", "TOPIC", "ERROR", "BATCH", "INVITE"]
    .map { (key: ByteSearch.packed($0), word: $0) }

extension Message {
    /// The longest tag section accepted: IRCv3 allows 8191 bytes including `@` and the space.
    public static let maximumTagsLength = 8191
    /// The longest line accepted (without its CR/LF). Generous on purpose: servers with a large
    /// LINELEN exist, but nothing legitimate comes near this.
    public static let maximumLineLength = 16384

    /// Parses one received line (a trailing CR/LF, if any, is ignored).
    ///
    /// Tag values are unescaped, the command word is upper-cased, runs of spaces between
    /// parameters are tolerated. A NUL, CR or LF inside the line is an error.
    public init(parsing line: String) throws(IRCParseError) {
        // withUTF8 is free for native strings; bridged or lazily decoded ones are made native.
        // Its closure cannot throw a typed error, so the error travels out beside an Optional
        // (cheaper than a Result<Message, _>, which cost a generic copy per line).
        // The tag section stays a slice of `line` (the message then keeps the line's storage).
        var native = line
        var failure = IRCParseError.emptyLine
        let message = native.withUTF8 { Message.parse($0, validatingUTF8: false, line: line, failure: &failure) }
        guard let message else { throw failure }
        self = message
    }

    /// Parses one received line from raw bytes (a trailing CR/LF, if any, is ignored).
    ///
    /// Invalid UTF-8 throws `.invalidUTF8`; a caller that prefers to show such lines anyway can
    /// retry with `Message(parsing: String(decoding: bytes, as: UTF8.self))`, which replaces
    /// the bad bytes with U+FFFD.
    public init<Bytes: Collection<UInt8>>(parsing bytes: Bytes) throws(IRCParseError) {
        var failure = IRCParseError.emptyLine
        let message: Message?
        if let contiguous = bytes.withContiguousStorageIfAvailable({ Message.parse($0, validatingUTF8: true, line: nil, failure: &failure) }) {
            message = contiguous
        } else {
            message = Array(bytes).withUnsafeBufferPointer { Message.parse($0, validatingUTF8: true, line: nil, failure: &failure) }
        }
        guard let message else { throw failure }
        self = message
    }

    @inline(__always)
    private static func parse(_ buffer: UnsafeBufferPointer<UInt8>, validatingUTF8: Bool, line: String?, failure: inout IRCParseError) -> Message? {
        do {
            return try parseLine(buffer, validatingUTF8: validatingUTF8, line: line)
        } catch {
            failure = error
            return nil
        }
    }

    /// `line`, when given, holds the same bytes as `b`: the tag section is then sliced from it.
    @inline(__always)
    private static func parseLine(_ b: UnsafeBufferPointer<UInt8>, validatingUTF8: Bool, line: String?) throws(IRCParseError) -> Message {
        var end = b.count
        while end > 0, b[end - 1] == cr || b[end - 1] == lf { end -= 1 }
        if end > maximumLineLength { throw .lineTooLong(length: end, limit: maximumLineLength) }
        if validatingUTF8 {
            try checkUTF8AndControls(b, end: end)
        } else {
            try checkControls(b, end: end)
        }

        var i = skipSpaces(b, from: 0, end: end)
        if i == end { throw .emptyLine }

        var rawTags: Substring = ""
        if b[i] == at {
            let tagsEnd = wordEnd(b, from: i + 1, end: end)
            // The limit counts the '@' and the separating space.
            let length = tagsEnd - i + 1
            if length > maximumTagsLength { throw .tagsTooLong(length: length, limit: maximumTagsLength) }
            if tagsEnd > i + 1 {
                if let line {
                    let utf8 = line.utf8
                    rawTags = line[utf8.index(utf8.startIndex, offsetBy: i + 1)..<utf8.index(utf8.startIndex, offsetBy: tagsEnd)]
                } else {
                    rawTags = Substring(string(b, i + 1, tagsEnd))
                }
            }
            i = skipSpaces(b, from: tagsEnd, end: end)
        }

        var source: Source?
        if i < end, b[i] == colon {
            let sourceEnd = wordEnd(b, from: i + 1, end: end)
            if sourceEnd == i + 1 { throw .emptySource }
            source = makeSource(b, from: i + 1, to: sourceEnd)
            i = skipSpaces(b, from: sourceEnd, end: end)
        }

        if i == end { throw .missingCommand }
        let commandEnd = wordEnd(b, from: i, end: end)
        let command = try makeCommand(b, from: i, to: commandEnd)
        i = skipSpaces(b, from: commandEnd, end: end)

        var params: [String] = []
        if i < end {
            params.reserveCapacity(countParams(b, from: i, end: end))
            while i < end {
                if b[i] == colon {
                    params.append(string(b, i + 1, end))
                    break
                }
                let paramEnd = wordEnd(b, from: i, end: end)
                params.append(string(b, i, paramEnd))
                i = skipSpaces(b, from: paramEnd, end: end)
            }
        }
        return Message(rawTags: rawTags, source: source, command: command, params: params)
    }

    @inline(__always)
    private static func skipSpaces(_ b: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> Int {
        var i = start
        while i < end, b[i] == space { i += 1 }
        return i
    }

    @inline(__always)
    private static func wordEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> Int {
        ByteSearch.first(of: space, space, in: b, from: start, to: end)
    }

    @inline(__always)
    private static func string(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
    }

    /// The shared literal for a common short word, so the most frequent commands and tag keys
    /// cost a table probe instead of building (and later freeing) a String per line.
    @inline(__always)
    private static func knownWord(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, in table: [(key: UInt64, word: String)]) -> String? {
        guard end - start <= 8 else { return nil }
        let key = ByteSearch.packed(b, from: start, to: end)
        for entry in table where entry.key == key { return entry.word }
        return nil
    }

    private static func countParams(_ b: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> Int {
        var count = 0
        var i = start
        while i < end {
            count += 1
            if b[i] == colon { break }
            i = skipSpaces(b, from: wordEnd(b, from: i, end: end), end: end)
        }
        return count
    }

    private static func checkControls(_ b: UnsafeBufferPointer<UInt8>, end: Int) throws(IRCParseError) {
        let i = ByteSearch.firstLineBreaker(in: b, from: 0, to: end)
        if i < end { throw .forbiddenByte(b[i], offset: i) }
    }

    private static func checkUTF8AndControls(_ b: UnsafeBufferPointer<UInt8>, end: Int) throws(IRCParseError) {
        var i = 0
        while i < end {
            // Eight ASCII bytes at a time, the common case.
            if i + 8 <= end, ByteSearch.isASCIIWord(b, at: i) {
                let found = ByteSearch.firstLineBreaker(in: b, from: i, to: i + 8)
                if found < i + 8 { throw .forbiddenByte(b[found], offset: found) }
                i += 8
                continue
            }
            let byte = b[i]
            if byte < 0x80 {
                if byte < 0x0E, byte == 0 || byte == cr || byte == lf {
                    throw .forbiddenByte(byte, offset: i)
                }
                i += 1
                continue
            }
            // Well-formed sequences per Unicode table 3-7: no overlongs, no surrogates, ≤ U+10FFFF.
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch byte {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: throw .invalidUTF8(offset: i)
            }
            if i + length > end { throw .invalidUTF8(offset: i) }
            let second = b[i + 1]
            if second < low || second > high { throw .invalidUTF8(offset: i) }
            var k = 2
            while k < length {
                if b[i + k] & 0xC0 != 0x80 { throw .invalidUTF8(offset: i) }
                k += 1
            }
            i += length
        }
    }

    private static func makeCommand(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) throws(IRCParseError) -> String {
        let length = end - start
        var letters = true
        var digits = true
        var hasLower = false
        for i in start..<end {
            let byte = b[i]
            let isUpper = byte >= 0x41 && byte <= 0x5A
            let isLower = byte >= 0x61 && byte <= 0x7A
            letters = letters && (isUpper || isLower)
            digits = digits && byte >= 0x30 && byte <= 0x39
            hasLower = hasLower || isLower
        }
        guard letters || (digits && length == 3) else {
            throw .invalidCommand(string(b, start, min(end, start + 32)))
        }
        guard hasLower else { return knownWord(b, start, end, in: commonCommands) ?? string(b, start, end) }
        return String(unsafeUninitializedCapacity: length) { out in
            for k in 0..<length {
                let byte = b[start + k]
                out[k] = byte >= 0x61 ? byte - 0x20 : byte
            }
            return length
        }
    }

    // Same split as `Source(parsing:)`: the first '@' starts the host, then the first '!' before
    // it starts the user.
    private static func makeSource(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Source {
        var atIndex = end
        var bangIndex = end
        var i = start
        while i < end {
            let byte = b[i]
            if byte == at { atIndex = i; break }
            if byte == bang, bangIndex == end { bangIndex = i }
            i += 1
        }
        let nickEnd = min(bangIndex, atIndex)
        let user = bangIndex < atIndex ? string(b, bangIndex + 1, atIndex) : nil
        let host = atIndex < end ? string(b, atIndex + 1, end) : nil
        return Source(nick: string(b, start, nickEnd), user: user, host: host)
    }
}
