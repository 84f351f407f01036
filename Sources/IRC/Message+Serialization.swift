extension Message {
    /// The line as it goes on the wire, without the final CRLF.
    ///
    /// Total and wire-safe for any value: CR, LF and NUL are removed from every part (tag
    /// values escape CR and LF instead, as IRCv3 defines), so no field can add a second command.
    /// The last parameter is written as trailing (`:text`) when it is empty, contains a space or
    /// starts with `:`. Parts that cannot hold a space lose their spaces; a middle parameter
    /// also loses leading `:` and, if nothing is left, becomes `*`, so the parameter count is
    /// kept. Tags are written sorted by key so the output is deterministic.
    public func serialized() -> String {
        var out = ""
        out.reserveCapacity(64 + command.utf8.count + params.reduce(0) { $0 + $1.utf8.count + 2 })

        if !tags.isEmpty {
            var first = true
            for key in tags.keys.sorted() {
                let cleanKey = WireText.clean(key, dropping: WireText.isTagKeyBreaker)
                guard !cleanKey.isEmpty else { continue }
                out.append(first ? "@" : ";")
                first = false
                out.append(cleanKey)
                if let value = tags[key], !value.isEmpty {
                    out.append("=")
                    WireText.appendEscapedTagValue(value, to: &out)
                }
            }
            if !first { out.append(" ") }
        }

        if let source {
            let text = WireText.clean(source.description, dropping: WireText.isWordBreaker)
            if !text.isEmpty {
                out.append(":")
                out.append(text)
                out.append(" ")
            }
        }

        out.append(WireText.clean(command, dropping: WireText.isWordBreaker))

        for (index, param) in params.enumerated() {
            out.append(" ")
            if index == params.count - 1 {
                let text = WireText.clean(param, dropping: WireText.isLineBreaker)
                if text.isEmpty || text.utf8.first == UInt8(ascii: ":") || text.utf8.contains(UInt8(ascii: " ")) {
                    out.append(":")
                }
                out.append(text)
            } else {
                var text = Substring(WireText.clean(param, dropping: WireText.isWordBreaker))
                while text.utf8.first == UInt8(ascii: ":") { text = text.dropFirst() }
                if text.isEmpty { out.append("*") } else { out.append(contentsOf: text) }
            }
        }
        return out
    }
}
