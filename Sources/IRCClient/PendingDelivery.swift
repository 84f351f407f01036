import IRC

/// What a queued line means to `SendConfirmations` once it is written.
enum OutgoingRole: Sendable {
    /// Piece of a `deliver` call, as the message that goes out (label included).
    case piece(SendConfirmations<ContinuousClock.Instant>.Piece, Message)
    /// `PING :<token>` after a delivery's last piece.
    case barrier(String)
}

/// One `deliver` call waiting for the server's answers.
struct PendingDelivery {
    /// UTF-8 offset in the caller's text where the first piece starts.
    let start: Int
    var progress: DeliveryProgress
    /// Queue tickets of its pieces and barrier, to take back the unwritten ones on a refusal.
    let tickets: [Int]
    let continuation: CheckedContinuation<IRCDeliveryResult, Never>

    /// Where the caller's next attempt starts.
    var confirmedOffset: Int { start + progress.confirmedOffset }
}
