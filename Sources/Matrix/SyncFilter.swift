/// The `/sync` filter of the bot: only what a command bot acts on. Everything else (presence,
/// account data, typing, receipts, to-device...) is left out so a busy room costs little.
public enum SyncFilter {
    /// Timeline: messages (commands), membership (joins, leaves, display names), encryption
    /// (an encrypted room gets one notice) and encrypted events (to notice that room even when
    /// its `m.room.encryption` event is older than the window). State: the same kinds plus the
    /// room name, members lazily (only senders of the timeline's events). Invites are always
    /// delivered (`rooms.invite` is not filtered by type).
    public static let timelineTypes = ["m.room.message", "m.room.member", "m.room.encryption", "m.room.encrypted"]

    public static func json(timelineLimit: Int = 50) -> MatrixJSON {
        let none: MatrixJSON = ["types": []]
        return [
            "presence": none,
            "account_data": none,
            "room": [
                "account_data": none,
                "ephemeral": none,
                "state": [
                    "types": ["m.room.member", "m.room.encryption", "m.room.name"],
                    "lazy_load_members": true,
                ],
                "timeline": [
                    "types": .array(timelineTypes.map { .string($0) }),
                    "limit": .int(Int64(timelineLimit)),
                    "lazy_load_members": true,
                ],
            ],
        ]
    }

    /// The filter as the `filter` query parameter accepts it inline (a JSON object).
    public static func inline(timelineLimit: Int = 50) -> String {
        String(decoding: json(timelineLimit: timelineLimit).encoded(), as: UTF8.self)
    }
}
