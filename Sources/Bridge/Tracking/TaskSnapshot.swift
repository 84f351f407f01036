/// What the proxy said about a task at one moment (a callback body, a poll result), in the
/// terms the tracker needs.
public struct TaskSnapshot: Sendable, Hashable {
    public var id: String
    /// The proxy's `action` (`IMAGINE`, `UPSCALE`…).
    public var action: String?
    /// The proxy's `status` as sent (`SUBMITTED`, `IN_PROGRESS`, `SUCCESS`…).
    public var status: String
    /// 0–100 when the proxy reported a percentage.
    public var progress: Int?
    public var prompt: String?
    public var imageUrl: String?
    public var failReason: String?
    public var buttons: [TaskButton]
    /// `properties.finalPrompt`: the echoed prompt; for describe the four prompts, for
    /// shorten the analysis.
    public var finalPrompt: String?
    /// The `state` the bot sent with the task.
    public var state: String?
    /// The single images some proxies return beside a grid (trueai `imageUrls`), in order.
    /// Not stored with the task: a restart before the result line is committed asks the proxy
    /// again and gets them again.
    public var imageUrls: [String]
    /// The proxy's `videoUrl` (video tasks), posted as given.
    public var videoUrl: String?

    public init(id: String, action: String? = nil, status: String, progress: Int? = nil, prompt: String? = nil,
                imageUrl: String? = nil, failReason: String? = nil, buttons: [TaskButton] = [],
                finalPrompt: String? = nil, state: String? = nil, imageUrls: [String] = [], videoUrl: String? = nil) {
        self.id = id
        self.action = action
        self.status = status
        self.progress = progress
        self.prompt = prompt
        self.imageUrl = imageUrl
        self.failReason = failReason
        self.buttons = buttons
        self.finalPrompt = finalPrompt
        self.state = state
        self.imageUrls = imageUrls
        self.videoUrl = videoUrl
    }

    public var rank: TaskRank { TaskRank(status: status, progress: progress) }
}

/// Orders task states so that a late or repeated report can never move a task backwards:
/// NOT_START/MODAL < SUBMITTED < IN_PROGRESS (by progress) < SUCCESS/FAILURE/CANCEL.
public struct TaskRank: Sendable, Hashable, Comparable {
    public var statusRank: Int
    public var progress: Int

    public init(statusRank: Int, progress: Int) {
        self.statusRank = statusRank
        self.progress = progress
    }

    public init(status: String, progress: Int?) {
        self.statusRank = Self.statusRank(status)
        self.progress = progress ?? 0
    }

    public static func statusRank(_ status: String) -> Int {
        switch status.uppercased() {
        case "SUBMITTED": return 1
        case "IN_PROGRESS": return 3
        case "SUCCESS", "FAILURE", "CANCEL", "CANCELLED": return 5
        default: return 0 // NOT_START, MODAL, anything new
        }
    }

    public static func isTerminal(_ status: String) -> Bool { statusRank(status) == 5 }

    public static func < (a: TaskRank, b: TaskRank) -> Bool {
        (a.statusRank, a.progress) < (b.statusRank, b.progress)
    }
}
