/// Failure-injection switches, changeable while the simulator runs (`SimulatorControls`).
public struct SimulatorSwitches: Sendable, Equatable {
    /// Fraction (0...1) of callbacks silently not sent.
    public var callbackDropFraction: Double = 0
    /// Fraction (0...1) of callbacks sent twice.
    public var callbackDuplicateFraction: Double = 0
    /// Each callback of a task is held back and sent after the task's next one (a terminal
    /// callback then overtakes the progress callback before it).
    public var callbackReorder: Bool = false
    /// Wait this long before each callback POST.
    public var callbackDelay: Duration = .zero
    /// Fraction (0...1) of `/mj` requests answered with an HTTP error from `httpErrorStatuses`.
    public var httpErrorFraction: Double = 0
    public var httpErrorStatuses: [Int] = [500, 502]
    /// `Retry-After` (seconds) sent with injected 429 answers; nil = no header.
    public var retryAfterSeconds: Int? = nil
    /// Every `/mj` response waits this long (real time) before it is written.
    public var responseDelay: Duration = .zero
    /// Running tasks stop at the last progress step not above this (0 = stay SUBMITTED;
    /// 99 = never reach SUCCESS); nil = off. Clearing it lets them go on.
    public var stuckAtPercent: Int? = nil
    /// The proxy is down: `/mj` requests get 502, jobs do not move, no callbacks.
    public var outage: Bool = false
    /// Accounts have Remix on (starts as `SimulatorConfiguration.remix`).
    public var remix: Bool = false
    /// Words that make a prompt banned (starts as `SimulatorConfiguration.bannedWords`).
    public var bannedWords: [String] = []
    /// `GET /mj/task/list` is served (as the contract says per flavour); false = it answers 404
    /// like a gateway that does not relay it (new-api).
    public var taskListAvailable: Bool = true
    /// The next this-many submits the proxy accepts (task created, running) get no acceptance:
    /// the answer is held for `lostAnswerDelay` and then replaced by a 504, as a gateway in front
    /// that gave up waiting answers. "The proxy took the job, the client never heard."
    public var loseSubmitAnswers: Int = 0
    /// How long a lost answer keeps the client waiting before the 504 (cut short at shutdown).
    public var lostAnswerDelay: Duration = .seconds(60)
    /// trueai only: a finished grid also lists its four single images in `imageUrls`
    /// (`[{url, thumbnail}]`), as TA fills them with `EnableFillOfficialCdn`; off = the grid
    /// link alone, as most deployments answer. Starts as `SimulatorConfiguration.singleImageLinks`.
    /// NZ/PP have no such field: the novicezk flavour never sends it.
    public var singleImageLinks: Bool = true
    /// The image links (`/attachments/`) answer 503 while on, the API keeps working: the
    /// proxy's image host (Discord's CDN) is down, so a bot cannot mirror what it is told.
    public var imageHostDown: Bool = false

    public init() {}
}

/// Counters for tests and the demo.
public struct SimulatorStats: Sendable, Equatable {
    public var tasksCreated = 0
    public var callbacksQueued = 0
    public var callbacksDropped = 0
    public var callbacksDuplicated = 0
    public var requests = 0
    public var injectedHTTPErrors = 0
    public var callbacksDelivered = 0
    public var callbacksFailed = 0
    /// Submits accepted whose answer was lost (`loseSubmitAnswers`).
    public var submitAnswersLost = 0
}
