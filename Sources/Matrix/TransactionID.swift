/// Transaction ids for `PUT /rooms/{roomId}/send/{type}/{txnId}`, derived from the outbox
/// line instead of drawn at random, so that sending a line again sends the *same* request.
///
/// Why: a send can time out, or the bot can be killed, after the homeserver stored the event
/// but before its answer arrived. The line is then still unsent in the outbox and goes out
/// again (after the reconnect or restart). With the same txnId the homeserver recognises the
/// retry and answers with the first event's id; no second event appears in the room. That is
/// how Matrix gives exactly-once without the IRC transport's echo/PING-barrier bookkeeping.
///
/// Limits of that promise (Synapse, checked in 1.163): a retry is recognised per
/// (room, sender, **device**, txnId) and for 24 hours only (`event_txn_id_device_id` is pruned
/// after a day; the HTTP answer cache lasts 30 minutes), so the bot must keep its device (store
/// the device id and token; a password login passes the stored `device_id`), and a line owed
/// for more than a day may appear twice.
///
/// The id is the line's row id plus a hash of where it goes and what it says: SQLite hands out
/// a row id again when the newest rows were deleted (retention, a new database file), and a
/// reused txnId within the window would make the homeserver swallow a *new* line as a "retry"
/// of the old one. The hash is FNV-1a, computed here, because Swift's `Hasher` is seeded per
/// process and would give another id after a restart. Not the creation time: the store keeps
/// dates to the millisecond, so a line read back could give another id than the one in memory.
/// `part` numbers the events one line becomes (an `m.image` and its notice).
public enum TransactionID {
    /// `mjb1.<line id>.<16 hex digits>.<part>`: only `[a-z0-9.]`, short, readable in the
    /// server's log.
    public static func forOutboxLine(id: Int64, target: String, text: String, part: Int = 0) -> String {
        var hash = FNV1a()
        hash.add(target)
        hash.add([0])
        hash.add(text)
        let hex = String(hash.value, radix: 16)
        return "mjb1.\(id).\(String(repeating: "0", count: 16 - hex.count))\(hex).\(part)"
    }
}

/// 64-bit FNV-1a: tiny, stable across processes and platforms. Not a security hash (nothing
/// here needs one: the id only has to differ between different lines).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) { add(Array(text.utf8)) }

    mutating func add(_ bytes: [UInt8]) {
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
    }
}
