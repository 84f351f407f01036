import Bridge
import Foundation
import IRC
import Matrix
import Store

/// The bridge's view of a room message (pure). The sender's user id is the verified account:
/// the homeserver authenticated it, so no lookup and no spoofing question. The display name
/// stands where IRC has the nick (replies start with it); the room id is the channel.
enum MatrixChatEvent {
    static func make(_ message: RoomMessage, network: String, displayName: String?, botName: String?) -> ChatEvent {
        var event = ChatEvent(network: network, target: .channel(message.roomID),
                              sender: displayName.flatMap(cleanName) ?? localpart(of: message.sender),
                              account: message.sender, text: message.body, botNick: botName,
                              accountVerified: true, userHost: nil, caseMapping: .ascii)
        event.replyTo = ReplyReference(eventID: message.eventID, threadRoot: message.threadRoot, userID: message.sender)
        return event
    }

    /// `@alice:example.org` → `alice`.
    static func localpart(of userID: String) -> String {
        var name = Substring(userID)
        if name.first == "@" { name = name.dropFirst() }
        if let colon = name.firstIndex(of: ":") { name = name[..<colon] }
        return String(name)
    }

    /// A display name is anyone's text: controls go (C1 too, as routes adopted after a crash
    /// refuse them), and an empty or over-long one is not used.
    static func cleanName(_ name: String) -> String? {
        let noC1 = String(String.UnicodeScalarView(name.unicodeScalars.filter { !(0x80...0x9F).contains($0.value) }))
        let clean = ChatText.truncated(ChatText.wireSafe(noC1).trimmingCharacters(in: .whitespaces), to: 64)
        return clean.isEmpty ? nil : clean
    }
}
