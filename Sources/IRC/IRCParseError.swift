/// Why a received line could not be read as an IRC message.
///
/// The parser is lenient where the meaning is still clear (runs of spaces, a trailing CR/LF,
/// tags without a key) and strict where guessing could mislead the bot: a CR, LF or NUL inside
/// the line is rejected rather than silently kept or dropped, because it means the framing
/// upstream is broken or someone is trying to smuggle a second command.
public enum IRCParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The line is empty or holds only spaces (after the line ending was removed).
    case emptyLine
    /// Tags and/or a source, but no command word after them.
    case missingCommand
    /// The command is neither letters only nor a three-digit numeric; carries (a prefix of) it.
    case invalidCommand(String)
    /// A `:` source marker followed directly by a space or the end of the line.
    case emptySource
    /// The bytes are not valid UTF-8; `offset` is the first bad byte.
    case invalidUTF8(offset: Int)
    /// A NUL, CR or LF inside the line (only a trailing CR/LF is allowed).
    case forbiddenByte(UInt8, offset: Int)
    /// The tag section (`@` up to and including its space) is longer than the IRCv3 limit.
    case tagsTooLong(length: Int, limit: Int)
    /// The whole line is longer than any server may send.
    case lineTooLong(length: Int, limit: Int)

    public var description: String {
        switch self {
        case .emptyLine:
            return "empty IRC line"
        case .missingCommand:
            return "IRC line has no command"
        case .invalidCommand(let command):
            return "invalid IRC command \"\(command)\" (expected letters or a three-digit numeric)"
        case .emptySource:
            return "IRC line has an empty source after ':'"
        case .invalidUTF8(let offset):
            return "IRC line is not valid UTF-8 (byte \(offset))"
        case .forbiddenByte(let byte, let offset):
            let name = byte == 0 ? "NUL" : byte == 0x0D ? "CR" : byte == 0x0A ? "LF" : "0x" + String(byte, radix: 16)
            return "IRC line contains \(name) at byte \(offset)"
        case .tagsTooLong(let length, let limit):
            return "IRC message tags are \(length) bytes, more than the limit of \(limit)"
        case .lineTooLong(let length, let limit):
            return "IRC line is \(length) bytes, more than the limit of \(limit)"
        }
    }
}
