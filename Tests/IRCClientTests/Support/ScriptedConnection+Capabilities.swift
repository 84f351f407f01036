import IRC

extension ScriptedConnection {
    /// Registers the client as a server offering `capabilities` does: `CAP LS`, ACK for the
    /// request, then 001 with `mask` and a 005.
    func welcome(_ nick: String, mask: String, offering capabilities: [String]) async throws {
        _ = try await expect("CAP LS") { $0.command == "CAP" && $0.params.first == "LS" }
        send(":srv CAP * LS :\(capabilities.joined(separator: " "))")
        if !capabilities.isEmpty {
            let request = try await expect("CAP REQ") { $0.command == "CAP" && $0.params.first == "REQ" }
            send(":srv CAP * ACK :\(request.params.last ?? "")")
        }
        _ = try await expect("CAP END") { $0.command == "CAP" && $0.params.first == "END" }
        send(":srv 001 \(nick) :Welcome to the Scripted IRC Network \(mask)",
             ":srv 005 \(nick) CASEMAPPING=rfc1459 CHANTYPES=# NICKLEN=30 :are supported by this server")
    }

    /// The next PRIVMSG or NOTICE the client sent.
    func nextChat(timeout: Duration = .seconds(30)) async throws -> Message {
        try await expect("a chat line", timeout: timeout) { $0.command == "PRIVMSG" || $0.command == "NOTICE" }
    }

    /// `message` as the server echoes it to its sender `mask`, with its label when it had one.
    func echo(_ message: Message, from mask: String) {
        var echo = message
        echo.source = Source(parsing: Substring(mask))
        send(echo.serialized())
    }
}
