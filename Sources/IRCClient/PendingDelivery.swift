import IRC

/// What a queued line means to `SendConfirmations` once it is written.
enum OutgoingRole: Sendable {
    /// Piece of a `deliver` call, as the message that goes out (label included).
    case piece(SendConfirmations<ContinuousClock.Instant>.Piece, Message)
    /// `PING :<token>` after a delivery's piece.
    case barrier(String)
}

/// One `deliver` call waiting for the server's answers.
///
/// Its pieces go out one at a time: the next is queued only when the server confirmed the one
/// before. A refused piece then has nothing of the same line written after it (on a flood
/// burst the later pieces would already be on the wire, and the retry from the refused piece
/// would say them twice), and a drop leaves at most one piece unconfirmed.
struct PendingDelivery {
    /// UTF-8 offset in the caller's text where the first piece starts.
    let start: Int
    /// Every piece as split at the start (without labels, which are made when queued).
    let pieces: [Message]
    var progress: DeliveryProgress
    /// The piece queued now (the ones before it are confirmed).
    var current = 0
    /// Queue tickets of the current piece and its barrier, to take back the unwritten ones.
    var tickets: [Int] = []
    /// The caller gave up waiting (cancelled): no further piece is queued, and the call ends
    /// as soon as the piece already written (if any) is answered.
    var isWithdrawn = false
    let continuation: CheckedContinuation<IRCDeliveryResult, Never>

    /// Where the caller's next attempt starts.
    var confirmedOffset: Int { start + progress.confirmedOffset }
}
