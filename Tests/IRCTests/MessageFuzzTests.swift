import IRC
import Testing

@Suite struct MessageFuzzTests {
    // Pieces weighted towards what matters to the parser (delimiters, escapes, multi-byte
    // text), so that many junk lines still parse and the deep paths run.
    static let pieces: [[UInt8]] = ["@", ":", ";", "=", " ", " ", " ", "!", "\\", "a", "Z", "0", "9", "#",
                                    "+", "/", "s", "x", "é", "🦊", "PRIVMSG", "001", "\\s", "\\:"].map { Array($0.utf8) }
    static let badBytes: [UInt8] = [0x00, 0x0D, 0x0A, 0xC3, 0xF0, 0x9F, 0xFF, 0x80, 0xED, 0xA0]

    static func junkLine(_ generator: inout SplitMix64) -> [UInt8] {
        let length = Int(generator.next() % 40)
        var bytes: [UInt8] = []
        switch generator.next() % 4 {
        case 0: // raw random bytes
            for _ in 0..<length { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
        default: // plausible pieces, now and then a bad byte
            if generator.next() % 2 == 0 {
                bytes += Array(["@a=b\\;c ", ":n!u@h ", "@x :s ", ""][Int(generator.next() % 4)].utf8)
                bytes += Array(["CMD ", "privmsg #c :", "PING :", "005 "][Int(generator.next() % 4)].utf8)
            }
            for _ in 0..<length {
                let roll = generator.next()
                if roll % 100 == 0 {
                    bytes.append(badBytes[Int((roll >> 8) % UInt64(badBytes.count))])
                } else {
                    bytes += pieces[Int((roll >> 8) % UInt64(pieces.count))]
                }
            }
        }
        return bytes
    }

    @Test func hundredThousandJunkLinesNeverCrashAndRoundTrip() throws {
        var generator = SplitMix64(seed: 0x1BC_2026)
        var parsed = 0
        var mismatches: [String] = []
        for _ in 0..<100_000 {
            let bytes = Self.junkLine(&generator)
            guard let message = try? Message(parsing: bytes) else { continue }
            parsed += 1
            let line = message.serialized()
            let again = try? Message(parsing: line)
            if again != message, mismatches.count < 5 { mismatches.append(line) }
            // The String entry point agrees with the bytes one on valid UTF-8.
            let text = String(decoding: bytes, as: UTF8.self)
            if Array(text.utf8) == bytes, (try? Message(parsing: text)) != message, mismatches.count < 5 {
                mismatches.append("string path: " + text)
            }
        }
        #expect(mismatches.isEmpty)
        // The test means something only if a good share of the lines parse.
        #expect(parsed > 20_000)
    }
}
