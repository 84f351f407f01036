import IRC

// TEMPORARY: minimal stand-ins until irc-core's parser, serializer, ISupport, LineSplitter,
// FloodControl and CTCP land; every use of those goes through this file so the switch is local.

enum Wire {
    /// One received line as a Message, nil when it is not a valid IRC line.
    static func parse(_ text: String) -> Message? {
        var rest = Substring(text)
        var tags: [String: String] = [:]
        if rest.hasPrefix("@") {
            guard let space = rest.firstIndex(of: " ") else { return nil }
            for tag in rest[rest.index(after: rest.startIndex)..<space].split(separator: ";") {
                if let eq = tag.firstIndex(of: "=") {
                    tags[String(tag[..<eq])] = String(tag[tag.index(after: eq)...])
                } else {
                    tags[String(tag)] = ""
                }
            }
            rest = rest[space...].drop(while: { $0 == " " })
        }
        var source: Source?
        if rest.hasPrefix(":") {
            guard let space = rest.firstIndex(of: " ") else { return nil }
            source = Source(parsing: rest[rest.index(after: rest.startIndex)..<space])
            rest = rest[space...].drop(while: { $0 == " " })
        }
        var params: [String] = []
        var command: String?
        while !rest.isEmpty {
            if rest.hasPrefix(":"), command != nil {
                params.append(String(rest.dropFirst()))
                break
            }
            let end = rest.firstIndex(of: " ") ?? rest.endIndex
            let word = String(rest[..<end])
            if command == nil { command = word.uppercased() } else { params.append(word) }
            rest = rest[end...].drop(while: { $0 == " " })
        }
        guard let command, !command.isEmpty else { return nil }
        return Message(tags: tags, source: source, command: command, params: params)
    }

    /// The line as sent, without CRLF, with CR, LF and NUL removed so no value can add a command.
    static func serialize(_ message: Message) -> String {
        var parts: [String] = [message.command]
        for (index, param) in message.params.enumerated() {
            let isLast = index == message.params.count - 1
            if isLast, param.isEmpty || param.contains(" ") || param.hasPrefix(":") {
                parts.append(":" + param)
            } else {
                parts.append(param)
            }
        }
        return String(parts.joined(separator: " ").unicodeScalars.filter { $0 != "\r" && $0 != "\n" && $0 != "\0" })
    }
}

/// What 005 told us about the network.
struct NetworkSupport: Sendable {
    private(set) var nickLength: Int?
    private(set) var lineLength = 512
    private(set) var channelTypes: Set<Character> = ["#", "&"]

    mutating func update(from message: Message) {
        for token in message.params.dropFirst().dropLast() {
            let parts = token.split(separator: "=", maxSplits: 1)
            switch parts.first {
            case "NICKLEN": nickLength = parts.count > 1 ? Int(parts[1]) : nil
            case "LINELEN": lineLength = parts.count > 1 ? Int(parts[1]) ?? 512 : 512
            case "CHANTYPES": channelTypes = Set(parts.count > 1 ? String(parts[1]) : "")
            default: break
            }
        }
    }

    func equal(_ a: String, _ b: String) -> Bool { fold(a) == fold(b) }

    func fold(_ name: String) -> String {
        String(name.lowercased().map { ch -> Character in
            switch ch {
            case "[": return "{"
            case "]": return "}"
            case "\\": return "|"
            case "~": return "^"
            default: return ch
            }
        })
    }

    func isChannel(_ target: String) -> Bool {
        target.first.map { channelTypes.contains($0) } ?? false
    }
}

/// Token bucket: `burst` lines back to back, then one per `interval`.
struct FloodLimiter: Sendable {
    let burst: Double
    let interval: Duration
    private var tokens: Double
    private var updated: ContinuousClock.Instant

    init(_ settings: IRCConnectionConfiguration.Flood, now: ContinuousClock.Instant) {
        burst = Double(max(settings.burst, 1))
        interval = settings.interval
        tokens = burst
        updated = now
    }

    private mutating func refill(_ now: ContinuousClock.Instant) {
        let elapsed = updated.duration(to: now).seconds
        if elapsed > 0, interval > .zero {
            tokens = min(burst, tokens + elapsed / interval.seconds)
        }
        updated = now
    }

    mutating func delay(now: ContinuousClock.Instant) -> Duration {
        refill(now)
        return tokens >= 1 ? .zero : .seconds((1 - tokens) * interval.seconds)
    }

    mutating func consume(now: ContinuousClock.Instant) {
        refill(now)
        tokens -= 1
    }
}

enum ChatLines {
    /// The text as PRIVMSG/NOTICE lines that fit 512 bytes as the recipient sees them.
    static func split(command: String, target: String, text: String, hostmask: String?, lineLength: Int) -> [Message] {
        let prefix = ":" + (hostmask ?? String(repeating: "x", count: 100)) + " \(command) \(target) :"
        let budget = max(lineLength - 2 - prefix.utf8.count, 50)
        let clean = String(text.unicodeScalars.filter { $0 != "\r" && $0 != "\n" && $0 != "\0" })
        var lines: [Message] = []
        var current = ""
        var currentBytes = 0
        for ch in clean {
            let n = String(ch).utf8.count
            if currentBytes + n > budget {
                lines.append(Message(command, target, current))
                current = ""
                currentBytes = 0
            }
            current.append(ch)
            currentBytes += n
        }
        if !current.isEmpty || lines.isEmpty { lines.append(Message(command, target, current)) }
        return lines
    }
}

enum CTCPReplies {
    /// A reply to a CTCP request, or nil when we do not answer it.
    static func reply(to text: String, from nick: String, version: String, now: String) -> Message? {
        guard text.hasPrefix("\u{01}") else { return nil }
        let body = text.dropFirst().prefix(while: { $0 != "\u{01}" })
        let command = body.prefix(while: { $0 != " " }).uppercased()
        let argument = body.drop(while: { $0 != " " }).dropFirst()
        let answer: String
        switch command {
        case "VERSION": answer = "VERSION \(version)"
        case "PING": answer = "PING \(argument)"
        case "TIME": answer = "TIME \(now)"
        case "CLIENTINFO": answer = "CLIENTINFO ACTION CLIENTINFO PING TIME VERSION"
        default: return nil
        }
        return Message("NOTICE", nick, "\u{01}\(answer)\u{01}")
    }

    static func isCTCP(_ text: String) -> Bool { text.hasPrefix("\u{01}") }
}
