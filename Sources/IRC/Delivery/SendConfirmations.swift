/// Decides which of our PRIVMSG/NOTICE lines the server passed on, so a line is marked sent
/// when the server says so and not when it was written to a socket that may be half-open.
///
/// The shell tells it every chat line it writes (`writing`) and every barrier (`writingBarrier`),
/// in write order, and feeds it every line the server sends (`received`); it answers with
/// decisions. How a line is decided follows the capabilities the server granted:
/// - `labeled` (labeled-response + echo-message): each line carries `@label=<token>`; the echo
///   with that label confirms it, an error reply or `ACK` with that label (alone or inside a
///   `labeled-response` BATCH) refuses it. Exact whatever the server does to the text.
/// - `echo` (echo-message only): the echo of our line confirms the oldest outstanding line to
///   that target with that text (or, when the server changed the text, e.g. stripped colours,
///   the oldest to that target: the server answers in order). An error numeric naming the
///   target refuses the oldest outstanding line to it. Deliveries end with a PING barrier:
///   when its PONG arrives, a line written before it that was neither echoed nor refused was
///   dropped by the server without a word (a shun, a silent filter) and is refused.
/// - `barrier` (neither): errors refuse as in `echo`; the barrier's PONG confirms every line
///   written before it that no error refused, since the server reads and answers in order.
///
/// Lines nobody waits on (immediate replies, CTCP answers) are registered too, without a
/// `Piece`, so their echoes and errors are not taken for a waiting line's. Pure: time is
/// passed in; the shell closes a connection whose `deadline` passed (a server that stopped
/// reading answers nothing).
public struct SendConfirmations<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public enum Mode: Sendable, Hashable {
        case labeled
        case echo
        case barrier

        public init(capabilities: Set<String>) {
            if capabilities.contains("echo-message") {
                self = capabilities.contains("labeled-response") ? .labeled : .echo
            } else {
                self = .barrier
            }
        }

        /// Whether a delivery is followed by `PING :<token>` (labels answer every line already).
        public var usesBarrier: Bool { self != .labeled }
    }

    /// Which piece of which delivery a line carries.
    public struct Piece: Sendable, Hashable {
        public var delivery: Int
        public var index: Int
        public init(delivery: Int, index: Int) {
            self.delivery = delivery
            self.index = index
        }
    }

    public enum Decision: Sendable, Hashable {
        /// The server passed the piece on.
        case confirmed(Piece)
        /// The server would not pass it on.
        case refused(Piece, SendRefusal)
        /// The PONG for a barrier arrived (the lines before it are decided).
        case barrierPassed(String)
    }

    private struct Written: Sendable {
        let sequence: Int
        var piece: Piece?
        let command: String
        let target: String
        let text: String
        let label: String?
        /// Unlabeled lines under echo-message: no echo before the barrier means not passed on.
        let expectsEcho: Bool
        let at: Instant
    }

    private struct Barrier: Sendable {
        let token: String
        /// The last line written before it.
        let sequence: Int
    }

    /// For lines written from now on; set from the granted capabilities.
    public var mode: Mode
    /// How long a written piece may wait for its answer.
    public let timeout: Duration
    /// Unanswered lines, oldest first.
    private var written: [Written] = []
    private var barriers: [Barrier] = []
    /// Open `labeled-response` batches: reference → label.
    private var labeledBatches: [String: String] = [:]
    private var sequence = 0
    private var labels = 0
    private var barrierTokens = 0

    /// Lines nobody waits on are kept this many at most (without echoes or barriers nothing
    /// else would ever remove them).
    public static var untrackedLimit: Int { 256 }

    public init(mode: Mode, timeout: Duration) {
        self.mode = mode
        self.timeout = timeout
    }

    /// The label for a piece about to be queued: nil unless `labeled`.
    public mutating func makeLabel() -> String? {
        guard mode == .labeled else { return nil }
        labels += 1
        return "mjb\(labels)"
    }

    /// A fresh token for `PING :<token>`.
    public mutating func makeBarrierToken() -> String {
        barrierTokens += 1
        return "mjb-\(barrierTokens)"
    }

    /// `message` is being written now. Anything but a PRIVMSG or NOTICE is ignored.
    public mutating func writing(_ message: Message, piece: Piece?, at now: Instant) {
        guard message.command == "PRIVMSG" || message.command == "NOTICE", message.params.count >= 2 else { return }
        let label = message.tag("label")
        // Labeled answers name their line; an unlabeled line nobody waits on adds nothing then.
        if piece == nil, label == nil, mode == .labeled { return }
        sequence += 1
        written.append(Written(
            sequence: sequence, piece: piece, command: message.command, target: message.params[0],
            text: message.params[1], label: label, expectsEcho: mode != .barrier, at: now))
        if piece == nil, written.count > Self.untrackedLimit,
           written.count(where: { $0.piece == nil }) > Self.untrackedLimit,
           let oldest = written.firstIndex(where: { $0.piece == nil }) {
            written.remove(at: oldest)
        }
    }

    /// `PING :<token>` is being written now, after every line registered so far.
    public mutating func writingBarrier(_ token: String) {
        barriers.append(Barrier(token: token, sequence: sequence))
    }

    /// Nobody waits for this delivery's pieces any more (one was refused, or it was given up):
    /// their answers still match them, but decide nothing.
    public mutating func forget(delivery: Int) {
        for index in written.indices where written[index].piece?.delivery == delivery {
            written[index].piece = nil
        }
    }

    /// When the oldest waiting piece has waited too long; nil when none waits.
    public var deadline: Instant? {
        written.first { $0.piece != nil }.map { $0.at.advanced(by: timeout) }
    }

    /// Pieces written and not yet decided.
    public var waitingCount: Int { written.count { $0.piece != nil } }

    /// Lines written and not yet answered, waited on or not (for tests and bounds).
    public var unansweredCount: Int { written.count }

    /// Feeds one line from the server; `ourNick` tells our echoes from other people's lines.
    public mutating func received(_ message: Message, ourNick: String, caseMapping: CaseMapping) -> [Decision] {
        guard !written.isEmpty || !barriers.isEmpty || !labeledBatches.isEmpty else { return [] }
        if message.command == "BATCH", let reference = message.params.first {
            if reference.hasPrefix("+") {
                if message.params.count >= 2, message.params[1] == "labeled-response", let label = message.tag("label") {
                    labeledBatches[String(reference.dropFirst())] = label
                }
                return []
            }
            if reference.hasPrefix("-"), let label = labeledBatches.removeValue(forKey: String(reference.dropFirst())),
               let index = written.firstIndex(where: { $0.label == label }) {
                // The whole answer is in, and it held neither our echo nor an error.
                return decide(index, SendRefusal(.other, code: "no-echo", reason: "the server answered without passing the line on"))
            }
            return []
        }
        if let reference = message.tag("batch"), let label = labeledBatches[reference] {
            return answer(message, label: label, inBatch: true, ourNick: ourNick, caseMapping: caseMapping)
        }
        if let label = message.tag("label") {
            return answer(message, label: label, inBatch: false, ourNick: ourNick, caseMapping: caseMapping)
        }
        switch message.command {
        case "PONG":
            return barrierAnswered(message.params.last ?? "")
        case "PRIVMSG", "NOTICE":
            return echoed(message, ourNick: ourNick, caseMapping: caseMapping)
        default:
            return unlabeledError(message, caseMapping: caseMapping)
        }
    }

    // MARK: - Rules

    private func isOurs(_ message: Message, ourNick: String, caseMapping: CaseMapping) -> Bool {
        guard message.command == "PRIVMSG" || message.command == "NOTICE", let source = message.source else { return false }
        return caseMapping.equal(source.nick, ourNick)
    }

    private mutating func answer(_ message: Message, label: String, inBatch: Bool, ourNick: String, caseMapping: CaseMapping) -> [Decision] {
        guard let index = written.firstIndex(where: { $0.label == label }) else { return [] }
        if isOurs(message, ourNick: ourNick, caseMapping: caseMapping) { return decide(index, nil) }
        if message.command == "ACK" {
            // Nothing to say at all: with echo-message on, the line went nowhere.
            return decide(index, SendRefusal(.other, code: "ACK", reason: "the server took the line without passing it on"))
        }
        if let refusal = SendRefusal.anyError(message) { return decide(index, refusal) }
        // Inside a batch more may follow (RPL_AWAY comes before the echo); alone, this line is
        // the whole answer, and it is not our echo.
        if inBatch { return [] }
        return decide(index, SendRefusal(.other, code: message.command, reason: message.params.last ?? ""))
    }

    private mutating func echoed(_ message: Message, ourNick: String, caseMapping: CaseMapping) -> [Decision] {
        guard isOurs(message, ourNick: ourNick, caseMapping: caseMapping), message.params.count >= 2 else { return [] }
        let target = message.params[0]
        let text = message.params[1]
        let candidates = written.indices.filter {
            let line = written[$0]
            return line.label == nil && line.expectsEcho && line.command == message.command && caseMapping.equal(line.target, target)
        }
        // The exact line, else the oldest to that target: the server changed the text on the way.
        guard let index = candidates.first(where: { written[$0].text == text }) ?? candidates.first else { return [] }
        return decide(index, nil)
    }

    private mutating func unlabeledError(_ message: Message, caseMapping: CaseMapping) -> [Decision] {
        guard let found = SendRefusal.targeted(message) else { return [] }
        let index = written.firstIndex { line in
            line.label == nil && (found.target.map { caseMapping.equal(line.target, $0) } ?? true)
        }
        guard let index else { return [] }
        return decide(index, found.refusal)
    }

    private mutating func barrierAnswered(_ token: String) -> [Decision] {
        guard let position = barriers.firstIndex(where: { $0.token == token }) else { return [] }
        let upTo = barriers[position].sequence
        barriers.removeFirst(position + 1)
        // The server reads and answers in order: every unlabeled line before the barrier has
        // had its echo or its error by now.
        var decisions: [Decision] = []
        written.removeAll { line in
            guard line.sequence <= upTo, line.label == nil else { return false }
            if let piece = line.piece {
                decisions.append(line.expectsEcho
                    ? .refused(piece, SendRefusal(.other, code: "no-echo", reason: "the server did not pass the line on"))
                    : .confirmed(piece))
            }
            return true
        }
        decisions.append(.barrierPassed(token))
        return decisions
    }

    private mutating func decide(_ index: Int, _ refusal: SendRefusal?) -> [Decision] {
        let line = written.remove(at: index)
        guard let piece = line.piece else { return [] }
        return [refusal.map { .refused(piece, $0) } ?? .confirmed(piece)]
    }
}
