/// A realistic stream of received IRC lines for the parse and serialise benchmark, generated
/// from a fixed seed so every run (and the Python peer, which reads the same file) sees the same
/// bytes. The mix follows a busy IRCv3 network with `server-time`, `account-tag` and `message-tags`
/// on: most lines are tagged PRIVMSGs, with joins, parts, quits, CTCP, NAMES replies with long nick
/// lists, and long trailing parameters.
enum IRCCorpus {
    static let defaultSeed: UInt64 = 0x1BC_0009

    static func generate(count: Int, seed: UInt64 = defaultSeed) -> [String] {
        var random = SplitMix(seed: seed)
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        func number(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

        let nicks = (0..<400).map { i in
            ["alice", "bob", "carol", "dave_", "Eve[away]", "frank|work", "grace", "heidi", "ivan^", "judy",
             "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "xena"][i % 20]
                + (i < 20 ? "" : String(i))
        }
        let words = ["the", "a", "fox", "red", "snow", "imagine", "cat", "--ar", "16:9", "ok", "lol", "thanks",
                     "please", "v6", "upscale", "ça", "marche", "谢谢", "👍", "https://example.org/x.png", "is",
                     "it", "done", "yet", "?", "no", "queue", "busy", "again", "cool", "wow", "nice"]
        let hosts = ["user/", "gateway/web/irccloud.com/x-", "2001:db8::", "host-", "cloak-"]
        let reasons = ["Quit: Leaving", "Ping timeout: 240 seconds", "Quit: ZNC - https://znc.in",
                       "Remote host closed the connection", "Changing host", "Client Quit"]
        let channels = ["#mjbridge", "#art", "#help", "#ai-images", "##offtopic"]

        func text(_ wordCount: Int) -> String {
            (0..<wordCount).map { _ in pick(words) }.joined(separator: " ")
        }
        func mask(_ nick: String) -> String {
            let host = pick(hosts)
            return "\(nick)!~\(nick.prefix(9))@\(host)\(host.hasSuffix("-") ? String(number(100_000)) : nick.lowercased())"
        }
        func msgid() -> String {
            let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
            return String((0..<26).map { _ in alphabet[number(alphabet.count)] })
        }
        func time(_ i: Int) -> String {
            let seconds = i / 7
            return "2026-11-30T\(pad((seconds / 3600) % 24)):\(pad((seconds / 60) % 60)):\(pad(seconds % 60)).\(pad3(number(1000)))Z"
        }
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        func pad3(_ n: Int) -> String { n < 10 ? "00\(n)" : n < 100 ? "0\(n)" : "\(n)" }

        var lines: [String] = []
        lines.reserveCapacity(count)
        for i in 0..<count {
            let nick = pick(nicks)
            let channel = pick(channels)
            let roll = number(100)
            let tags = "@time=\(time(i));account=\(nick.lowercased());msgid=\(msgid())"
            switch roll {
            case 0..<55: // tagged channel message, a few long ones
                let length = roll < 5 ? 40 + number(40) : 2 + number(14)
                lines.append("\(tags) :\(mask(nick)) PRIVMSG \(channel) :\(text(length))")
            case 55..<60: // reply with a client tag and an escaped value
                lines.append("\(tags);+draft/reply=\(msgid());+example.org/note=a\\sb\\:c :\(mask(nick)) PRIVMSG \(channel) :\(text(6))")
            case 60..<65: // untagged (a network without the caps)
                lines.append(":\(mask(nick)) PRIVMSG \(channel) :\(text(2 + number(10)))")
            case 65..<70: // CTCP
                let ctcp = pick(["\u{1}ACTION \(text(4))\u{1}", "\u{1}VERSION\u{1}", "\u{1}PING 1764504000\u{1}"])
                lines.append("\(tags) :\(mask(nick)) \(pick(["PRIVMSG", "NOTICE"])) \(pick([channel, "mjbridge"])) :\(ctcp)")
            case 70..<77: // extended-join
                lines.append("\(tags) :\(mask(nick)) JOIN \(channel) \(nick.lowercased()) :\(text(3))")
            case 77..<81:
                lines.append("\(tags) :\(mask(nick)) PART \(channel) :\(text(2))")
            case 81..<85:
                lines.append("\(tags) :\(mask(nick)) QUIT :\(pick(reasons))")
            case 85..<89: // NAMES with long nick lists
                let names = (0..<(30 + number(50))).map { _ in pick(["", "", "", "@", "+"]) + pick(nicks) }
                lines.append(":irc.example.net 353 mjbridge = \(channel) :\(names.joined(separator: " "))")
            case 89..<91:
                lines.append(":irc.example.net 366 mjbridge \(channel) :End of /NAMES list.")
            case 91..<94:
                lines.append(pick(["PING :irc.example.net", ":irc.example.net PONG irc.example.net :mjb-\(i)"]))
            case 94..<96:
                lines.append("\(tags) :\(mask(nick)) MODE \(channel) +ov \(pick(nicks)) \(pick(nicks))")
            case 96..<98:
                lines.append("@time=\(time(i)) :\(mask(nick)) NICK \(pick(nicks))_")
            default:
                lines.append(":irc.example.net NOTICE mjbridge :*** \(text(8 + number(20)))")
            }
        }
        return lines
    }
}
