/// Finds the inputs on which the TOML parser inside TOMLKit (toml++ 3.4) would abort, before it
/// sees them, so a typo in `bot.conf` is refused with a line number instead of killing the process.
///
/// toml++ checks most of its input, but two places trust the caller's lookahead and assert
/// (`TOML_ASSERT_ASSUME`: SIGABRT in debug builds, undefined behaviour with `NDEBUG`):
///
/// - **A table header whose first key character is not a key character.** `parse_table_header`
///   calls `parse_key`, which asserts `is_bare_key_character(*cp) || is_string_delimiter(*cp)`:
///   `[é]`, `[# old section`, `[[[x]]]`, a `[` alone on a line.
/// - **An array element that starts with `}` or a Unicode line separator.** `parse_array` hands
///   anything but `,` and `]` to `parse_value`, which asserts `!is_value_terminator(*cp)`:
///   `a = [}`, `a = [1, }`, and U+0085, U+2028 or U+2029 where an element is due.
/// - **A value that starts like a date, read ahead too far.** After `YYYY-MM-DD`, a space and
///   one digit, `parse_value` scans on and asserts the next character is no value terminator
///   (`d = 1979-05-27 0`, then a line break, tab, `]`…); and `YYYY-MM-DDT` followed by a
///   non-digit reaches `parse_time`, which asserts a digit (`1979-05-27T{00:00Z`).
///
/// Other keys, values and inline tables check the character first and report an error. A
/// differential fuzz of about 150,000 mutated and generated documents against toml++ built with
/// assertions on found these kinds only; every crasher among them is refused here and no
/// document toml++ accepts is.
///
/// Whether a character is in one of those places depends on everything before it (inside a
/// string or a comment it is harmless), so this is a small lexer over TOML's structure: strings,
/// comments, table headers, keys, arrays and inline tables. It must agree with toml++ on every
/// input toml++ accepts up to that point; past a syntax error toml++ stops, so there the lexer
/// only has to keep going without crashing (it resynchronises at the next line). A false
/// alarm on an invalid document only changes which error is shown.
enum TOMLCrashGuard {
    /// Where and why a document is refused; `line` and `column` count from 1, columns in
    /// Unicode scalars (as toml++ counts them).
    struct Finding: Sendable, Equatable, CustomStringConvertible {
        let line: Int
        let column: Int
        let message: String

        var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Refuses `text` when toml++ would abort on it, with the line and column to fix.
    static func check(_ text: String) throws(ConfigError) {
        if let finding = firstFinding(in: text) {
            throw .syntax(message: finding.message, line: finding.line, column: finding.column)
        }
    }

    /// The first place in `text` where toml++ would abort, or nil when it can be parsed safely.
    static func firstFinding(in text: String) -> Finding? {
        var lexer = Lexer(Array(text.unicodeScalars))
        return lexer.run()
    }

    /// toml++'s `is_bare_key_character` without unreleased TOML features: ASCII only.
    static func isBareKeyCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": true
        default: false
        }
    }

    /// toml++'s `is_value_terminator`: any whitespace it knows (ASCII and Unicode, vertical too),
    /// `]`, `}`, `,` and `#`.
    static func isValueTerminator(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x180E, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x2060,
             0x3000, 0xFEFF:
            true
        default:
            c == "]" || c == "}" || c == "," || c == "#"
        }
    }

    /// What toml++'s array loop passes to `parse_value` although it is a value terminator.
    static func abortsAsArrayElement(_ c: Unicode.Scalar) -> Bool {
        c == "}" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}"
    }

    static func describe(_ c: Unicode.Scalar) -> String {
        switch c {
        case "\n": "a line break"
        case "\r": "a carriage return"
        case "\t": "a tab"
        case "\u{85}", "\u{2028}", "\u{2029}", "\u{FEFF}":
            "U+" + String(c.value, radix: 16, uppercase: true).leftPadded(to: 4)
        default:
            c.value < 0x20 || c.value == 0x7F
                ? "control character U+" + String(c.value, radix: 16, uppercase: true).leftPadded(to: 4)
                : "'\(Character(c))'"
        }
    }

    private struct Lexer {
        enum Frame { case array, inlineTable }

        /// What the lexer expects next.
        enum Mode {
            /// Top level, between statements: whitespace, line breaks, comments, `[header]`, `key = value`.
            case statement
            /// A value is due (after `=`, or an array element after its leading whitespace).
            case value
            /// Inside an array where an element (or `]`) may come.
            case arrayElement
            /// Inside an inline table where a key (or `}`) may come.
            case inlineKey
            /// A value is complete; what may follow depends on the enclosing frame.
            case afterValue
        }

        let s: [Unicode.Scalar]
        var i = 0
        var mode = Mode.statement
        var stack: [Frame] = []

        init(_ scalars: [Unicode.Scalar]) {
            s = scalars
            // toml++'s reader drops a byte order mark at the very start.
            if s.first == "\u{FEFF}" { i = 1 }
        }

        var atEnd: Bool { i >= s.count }
        var current: Unicode.Scalar { s[i] }

        func peek(_ offset: Int) -> Unicode.Scalar? {
            i + offset < s.count ? s[i + offset] : nil
        }

        func finding(at index: Int, _ message: String) -> Finding {
            var line = 1
            var lineStart = 0
            for k in 0..<min(index, s.count) where s[k] == "\n" {
                line += 1
                lineStart = k + 1
            }
            return Finding(line: line, column: index - lineStart + 1, message: message)
        }

        mutating func run() -> Finding? {
            // toml++ receives a C string: a NUL would silently end the document there.
            if let nul = s.firstIndex(of: "\0") {
                return finding(at: nul, "a NUL character (U+0000) is not allowed in a TOML file")
            }
            while !atEnd {
                switch mode {
                case .statement:
                    if let found = statement() { return found }
                case .value:
                    if let found = value() { return found }
                case .arrayElement:
                    if let found = arrayElement() { return found }
                case .inlineKey:
                    inlineKey()
                case .afterValue:
                    afterValue()
                }
            }
            return nil
        }

        // MARK: - Top level

        mutating func statement() -> Finding? {
            let c = current
            switch c {
            case " ", "\t", "\n", "\r":
                i += 1
            case "#":
                skipComment()
            case "[":
                return header()
            default:
                if TOMLCrashGuard.isBareKeyCharacter(c) || c == "\"" || c == "'" {
                    keyThenEquals()
                } else {
                    resynchronise()
                }
            }
            return nil
        }

        /// `[key]` or `[[key]]`, then the rest of the line.
        mutating func header() -> Finding? {
            i += 1
            let hadWhitespace = skipSpaces()
            var isArray = false
            if !atEnd, current == "[", !hadWhitespace {
                isArray = true
                i += 1
                skipSpaces()
            }
            guard !atEnd else { return nil }
            let c = current
            if c == "]" {
                resynchronise() // "tables with blank bare keys are explicitly prohibited"
                return nil
            }
            if !(TOMLCrashGuard.isBareKeyCharacter(c) || c == "\"" || c == "'") {
                return finding(at: i, "a table header must start with a name (letters, digits, '_' or '-', or a quoted name), found \(TOMLCrashGuard.describe(c))")
            }
            key()
            for _ in 0..<(isArray ? 2 : 1) {
                guard !atEnd, current == "]" else { resynchronise(); return nil }
                i += 1
            }
            restOfLine()
            return nil
        }

        /// A key at top level: `key = ` and the value; the line's end is checked in `.afterValue`.
        mutating func keyThenEquals() {
            key()
            skipSpaces()
            guard !atEnd, current == "=" else { resynchronise(); return }
            i += 1
            mode = .value
        }

        /// After a header or a top-level value: spaces, an optional comment, the line break.
        mutating func restOfLine() {
            skipSpaces()
            if !atEnd, current == "#" { skipComment() }
            if atEnd { return }
            if current == "\n" || current == "\r" {
                mode = .statement
            } else {
                resynchronise()
            }
        }

        /// After something toml++ refuses: toml++ has stopped, so only our own progress matters.
        /// Carry on at the next line, at top level (a crash there can only be found, not missed).
        mutating func resynchronise() {
            while !atEnd, current != "\n" { i += 1 }
            stack.removeAll()
            mode = .statement
        }

        // MARK: - Values

        mutating func value() -> Finding? {
            skipSpaces()
            guard !atEnd else { return nil }
            switch current {
            case "\"", "'":
                string()
                mode = .afterValue
            case "[":
                i += 1
                stack.append(.array)
                mode = .arrayElement
            case "{":
                i += 1
                stack.append(.inlineTable)
                mode = .inlineKey
            default:
                if let found = dateLookahead() { return found }
                // Numbers, booleans, dates and times (a date-time may contain one space): up to
                // whatever may follow a value. None of them contains these characters.
                let start = i
                while !atEnd, !",]}#\n\r".unicodeScalars.contains(current) { i += 1 }
                if i == start {
                    resynchronise() // "expected value"
                } else {
                    mode = .afterValue
                }
            }
            return nil
        }

        /// The two date shapes toml++ mis-reads (see the type's comment), at a value's start.
        /// Neither is valid TOML, so refusing them never refuses a valid document.
        func dateLookahead() -> Finding? {
            func isDigit(_ k: Int) -> Bool { k < s.count && ("0"..."9").contains(s[k]) }
            // `YYYY-MM-DDT` + not a digit: parse_date_time hands it to parse_time.
            let isDate = (0..<10).allSatisfy { $0 == 4 || $0 == 7 ? peek($0) == "-" : isDigit(i + $0) }
            if isDate, peek(10) == "T" || peek(10) == "t", let next = peek(11), !("0"..."9").contains(next) {
                return finding(at: i + 11, "a date-time needs a time (HH:MM) after 'T', found \(TOMLCrashGuard.describe(next))")
            }
            // Ten characters (underscores aside) with '-' at 4 and 7, a space, one digit, then a
            // value terminator: the scan for "YYYY-MM-DD HH:MM" starts on the terminator.
            var k = i
            var characters: [Unicode.Scalar] = []
            while k < s.count, !TOMLCrashGuard.isValueTerminator(s[k]), characters.count <= 10 {
                if s[k] != "_" { characters.append(s[k]) }
                k += 1
            }
            if characters.count == 10, characters[4] == "-", characters[7] == "-",
               k + 2 < s.count, s[k] == " ", ("0"..."9").contains(s[k + 1]), TOMLCrashGuard.isValueTerminator(s[k + 2]) {
                return finding(at: k + 1, "a date followed by a lone digit is neither a date nor a date-time (a time is HH:MM)")
            }
            return nil
        }

        /// toml++'s array loop: whitespace, line breaks and comments, then `,`, `]` or a value.
        mutating func arrayElement() -> Finding? {
            skipSpacesLineBreaksAndComments()
            guard !atEnd else { return nil }
            let c = current
            if TOMLCrashGuard.abortsAsArrayElement(c) {
                return finding(at: i, "\(TOMLCrashGuard.describe(c)) where an array element or ']' was expected")
            }
            switch c {
            case "]":
                i += 1
                stack.removeLast()
                mode = .afterValue
            case ",":
                resynchronise() // "expected value or closing ']', saw comma"
            default:
                mode = .value
            }
            return nil
        }

        mutating func inlineKey() {
            skipSpaces()
            guard !atEnd else { return }
            let c = current
            if c == "}" {
                i += 1
                stack.removeLast()
                mode = .afterValue
            } else if TOMLCrashGuard.isBareKeyCharacter(c) || c == "\"" || c == "'" {
                keyThenEquals()
            } else {
                resynchronise()
            }
        }

        mutating func afterValue() {
            guard let frame = stack.last else {
                restOfLine()
                return
            }
            switch frame {
            case .array:
                skipSpacesLineBreaksAndComments()
                guard !atEnd else { return }
                switch current {
                case ",":
                    i += 1
                    mode = .arrayElement
                case "]":
                    i += 1
                    stack.removeLast()
                    mode = .afterValue
                default:
                    resynchronise() // "expected comma or closing ']'"
                }
            case .inlineTable:
                skipSpaces()
                guard !atEnd else { return }
                switch current {
                case ",":
                    i += 1
                    mode = .inlineKey
                case "}":
                    i += 1
                    stack.removeLast()
                    mode = .afterValue
                default:
                    resynchronise()
                }
            }
        }

        // MARK: - Lexemes

        /// A bare, quoted or dotted key; stops at the first character that cannot continue it.
        mutating func key() {
            while !atEnd {
                skipSpaces()
                guard !atEnd else { return }
                let c = current
                if TOMLCrashGuard.isBareKeyCharacter(c) {
                    while !atEnd, TOMLCrashGuard.isBareKeyCharacter(current) { i += 1 }
                } else if c == "\"" || c == "'" {
                    string()
                } else {
                    return
                }
                skipSpaces()
                guard !atEnd, current == "." else { return }
                i += 1
            }
        }

        /// Any of TOML's four strings, from its opening quote to just past its closing one (or to
        /// the end of the line for an unterminated single-line string, which toml++ refuses).
        mutating func string() {
            let quote = current
            let escapes = quote == "\""
            if peek(1) == quote, peek(2) == quote {
                i += 3
                while !atEnd {
                    if escapes, current == "\\" {
                        i += 2
                    } else if current == quote, peek(1) == quote, peek(2) == quote {
                        // Up to two more quotes belong to the content: `""""` ends with one.
                        var run = 0
                        while !atEnd, current == quote, run < 5 { i += 1; run += 1 }
                        return
                    } else {
                        i += 1
                    }
                }
                return
            }
            i += 1
            while !atEnd {
                let c = current
                if c == "\n" { return }
                i += 1
                if c == quote { return }
                if escapes, c == "\\", !atEnd, current != "\n" { i += 1 }
            }
        }

        /// A comment runs to the line feed (toml++ ends it nowhere else).
        mutating func skipComment() {
            while !atEnd, current != "\n" { i += 1 }
        }

        /// ASCII spaces and tabs (toml++ refuses other whitespace, so it never gets further).
        @discardableResult
        mutating func skipSpaces() -> Bool {
            let start = i
            while !atEnd, current == " " || current == "\t" { i += 1 }
            return i > start
        }

        mutating func skipSpacesLineBreaksAndComments() {
            while !atEnd {
                switch current {
                case " ", "\t", "\n", "\r": i += 1
                case "#": skipComment()
                default: return
                }
            }
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
