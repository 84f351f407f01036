/// Byte-level text cleaning shared by everything that produces wire text (serializer, splitter,
/// CTCP), so "CR, LF and NUL never reach the wire" is decided in one place.
enum WireText {
    static func isLineBreaker(_ byte: UInt8) -> Bool {
        byte == 0 || byte == 0x0D || byte == 0x0A
    }

    static func isWordBreaker(_ byte: UInt8) -> Bool {
        isLineBreaker(byte) || byte == 0x20
    }

    static func isTagKeyBreaker(_ byte: UInt8) -> Bool {
        isWordBreaker(byte) || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "=")
    }

    /// The text without the given ASCII bytes; returns the input unchanged (no copy) when clean.
    static func clean(_ text: String, dropping isForbidden: (UInt8) -> Bool) -> String {
        guard text.utf8.contains(where: isForbidden) else { return text }
        // The dropped bytes are ASCII, so removing them keeps the UTF-8 valid.
        return String(decoding: text.utf8.filter { !isForbidden($0) }, as: UTF8.self)
    }

    static func appendEscapedTagValue(_ value: String, to out: inout String) {
        let needsEscape = value.utf8.contains { byte in
            byte == UInt8(ascii: ";") || byte == 0x20 || byte == UInt8(ascii: "\\") || isLineBreaker(byte)
        }
        guard needsEscape else {
            out.append(value)
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + 8)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: ";"): bytes += [0x5C, UInt8(ascii: ":")]
            case 0x20: bytes += [0x5C, UInt8(ascii: "s")]
            case UInt8(ascii: "\\"): bytes += [0x5C, 0x5C]
            case 0x0D: bytes += [0x5C, UInt8(ascii: "r")]
            case 0x0A: bytes += [0x5C, UInt8(ascii: "n")]
            case 0: break // IRCv3 has no escape for NUL
            default: bytes.append(byte)
            }
        }
        out.append(String(decoding: bytes, as: UTF8.self))
    }
}
