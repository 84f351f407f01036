import NIOCore

/// The lines waiting for the flood limiter, in two lanes: `control` (JOIN, NickServ, CTCP
/// replies) goes before `chat`, and each lane keeps its order. Lines that must never wait
/// (PONG, registration, QUIT) do not enter the queue at all. Every line may carry a ticket:
/// the caller waiting for "written" is told when the ticket's last line went out.
struct OutgoingQueue: Sendable {
    enum Lane: Sendable, Hashable { case control, chat }

    struct Entry: Sendable, Hashable {
        let line: String
        let ticket: Int?
    }

    // Ring buffers: every line leaves from the front, which an Array pays for by moving the
    // whole rest of the lane (O(n) per line, O(n²) for a long backlog).
    private var control = CircularBuffer<Entry>()
    private var chat = CircularBuffer<Entry>()
    /// Lines still queued per ticket.
    private var remaining: [Int: Int] = [:]

    var isEmpty: Bool { control.isEmpty && chat.isEmpty }
    var count: Int { control.count + chat.count }

    mutating func enqueue(_ lines: [String], lane: Lane, ticket: Int?) {
        let entries = lines.map { Entry(line: $0, ticket: ticket) }
        if let ticket { remaining[ticket, default: 0] += entries.count }
        switch lane {
        case .control: control.append(contentsOf: entries)
        case .chat: chat.append(contentsOf: entries)
        }
    }

    /// Puts `line` before everything else in its lane: the next piece of a reply whose earlier
    /// piece is already out, so lines queued meanwhile do not come between its pieces.
    mutating func enqueueFirst(_ line: String, lane: Lane, ticket: Int?) {
        let entry = Entry(line: line, ticket: ticket)
        if let ticket { remaining[ticket, default: 0] += 1 }
        switch lane {
        case .control: control.prepend(entry)
        case .chat: chat.prepend(entry)
        }
    }

    var next: Entry? { next(chatHeld: false) }

    /// The next line; with `chatHeld`, only a control line (a reply's pieces are under way).
    func next(chatHeld: Bool) -> Entry? { control.first ?? (chatHeld ? nil : chat.first) }

    /// Removes the next line (with `chatHeld`, only a control line). `completed` is its
    /// ticket when that was the ticket's last line.
    mutating func popNext(chatHeld: Bool = false) -> (entry: Entry, completed: Int?)? {
        let entry: Entry
        if !control.isEmpty {
            entry = control.removeFirst()
        } else if !chat.isEmpty, !chatHeld {
            entry = chat.removeFirst()
        } else {
            return nil
        }
        guard let ticket = entry.ticket else { return (entry, nil) }
        let left = (remaining[ticket] ?? 1) - 1
        if left <= 0 {
            remaining[ticket] = nil
            return (entry, ticket)
        }
        remaining[ticket] = left
        return (entry, nil)
    }

    /// Drops the rest of a ticket's lines (its first line failed to write).
    mutating func remove(ticket: Int) {
        control.removeAll { $0.ticket == ticket }
        chat.removeAll { $0.ticket == ticket }
        remaining[ticket] = nil
    }

    /// Empties the queue and returns the tickets that never completed.
    mutating func removeAll() -> [Int] {
        let tickets = Array(remaining.keys).sorted()
        control.removeAll()
        chat.removeAll()
        remaining = [:]
        return tickets
    }
}
