/// A task's `status`, kept as the raw string so values a server adds later survive a round trip.
public struct TaskStatus: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let notStart = TaskStatus(rawValue: "NOT_START")
    public static let submitted = TaskStatus(rawValue: "SUBMITTED")
    public static let inProgress = TaskStatus(rawValue: "IN_PROGRESS")
    public static let success = TaskStatus(rawValue: "SUCCESS")
    public static let failure = TaskStatus(rawValue: "FAILURE")
    /// Waiting for `/submit/modal` (plus, trueai).
    public static let modal = TaskStatus(rawValue: "MODAL")
    public static let cancel = TaskStatus(rawValue: "CANCEL")

    /// Known values of the servers in the contract.
    public static let known: [TaskStatus] = [.notStart, .submitted, .inProgress, .success, .failure, .modal, .cancel]

    public var isKnown: Bool { Self.known.contains(self) }

    /// Order used to drop callbacks and polls that would move a task backwards (contract §7):
    /// NOT_START 0 < SUBMITTED 1 < IN_PROGRESS 3 < SUCCESS/FAILURE 4. MODAL ranks 0 like in trueai.
    /// CANCEL ranks 4 here (trueai: 0) because for a bot it ends the task like FAILURE does.
    /// Unknown values rank 0 and are not terminal, so they never override real progress.
    public var rank: Int {
        switch self {
        case .notStart, .modal: 0
        case .submitted: 1
        case .inProgress: 3
        case .success, .failure, .cancel: 4
        default: 0
        }
    }

    /// SUCCESS, FAILURE and CANCEL: nothing will change any more.
    public var isTerminal: Bool { self == .success || self == .failure || self == .cancel }

    // Codable comes from the standard library's RawRepresentable defaults: a bare string.
    public var description: String { rawValue }
}
