import Foundation

/// How long each phase of a simulated job takes.
public struct SimulatorTiming: Sendable, Equatable {
    /// From getting a running slot to SUBMITTED (the Discord interaction being accepted).
    public var startDelay: Duration
    /// Progress percentages reported while IN_PROGRESS, in order (values in 1...99).
    public var progressSteps: [Int]
    /// Time between SUBMITTED, each progress step and SUCCESS.
    public var stepInterval: Duration
    /// Running tasks that have not finished after this long fail like a proxy timeout
    /// (`任务超时` / `执行超时 N 分钟`); nil = never (stuck tasks stay stuck).
    public var executionTimeout: Duration?

    public init(startDelay: Duration = .seconds(1), progressSteps: [Int] = [15, 31, 46, 62, 78, 93],
                stepInterval: Duration = .seconds(3), executionTimeout: Duration? = .seconds(300)) {
        self.startDelay = startDelay
        self.progressSteps = progressSteps
        self.stepInterval = stepInterval
        self.executionTimeout = executionTimeout
    }

    /// Roughly what a fast-mode job feels like (about 20 s).
    public static let realistic = SimulatorTiming()
    /// For demos: a job in well under a second.
    public static let quick = SimulatorTiming(startDelay: .milliseconds(50), progressSteps: [25, 50, 75],
                                              stepInterval: .milliseconds(100))
    /// Every phase 1 ms apart; with a manual clock tests step through it exactly.
    public static let instant = SimulatorTiming(startDelay: .milliseconds(1), progressSteps: [25, 50, 75],
                                                stepInterval: .milliseconds(1))

    /// The `--timing` names: `realistic`, `quick`, `instant` (case-insensitive).
    public static let names = ["realistic", "quick", "instant"]

    /// Parses a `--timing` value; nil for anything but the names above.
    public init?(parsing text: String) {
        switch text.lowercased().trimmingCharacters(in: .whitespaces) {
        case "realistic", "real", "default": self = .realistic
        case "quick", "fast", "demo": self = .quick
        case "instant", "test": self = .instant
        default: return nil
        }
    }
}

/// Where simulated time comes from.
public enum SimulatorClockMode: Sendable, Equatable {
    /// Wall-clock time; a driver wakes every `tick` to move jobs on.
    case realTime(tick: Duration = .milliseconds(10))
    /// Time stands still until `SimulatorServer.advance(by:)` moves it: exact tests.
    case manual(startEpochMilliseconds: Int64 = 1_748_339_029_401)
}

public struct SimulatorConfiguration: Sendable {
    public var flavor: SimulatorFlavor
    /// nil or empty = no authentication (like an unset `mj.api-secret`).
    public var apiKey: String?
    public var timing: SimulatorTiming
    public var clock: SimulatorClockMode
    /// Discord accounts (instances); each runs `accountCoreSize` jobs and queues `accountQueueSize`.
    public var accounts: Int
    public var accountCoreSize: Int
    public var accountQueueSize: Int
    /// Accounts have Remix on: V/reroll/vary/pan answer code 21 (modal) instead of running.
    public var remix: Bool
    /// Base for image links; nil = the server's own `http://127.0.0.1:PORT`.
    public var publicBaseURL: String?
    /// Callback URL for tasks submitted without `notifyHook`.
    public var globalNotifyHook: String?
    /// Words that make a prompt banned (novicezk: code 24; trueai: task fails later).
    public var bannedWords: [String]
    /// Seed for every random choice (task ids, hashes, failure injection).
    public var seed: UInt64
    /// Signed image links stay valid this long (Discord: about a day).
    public var imageLinkLifetime: Duration
    /// Side of generated PNGs in pixels.
    public var imageSide: Int
    /// Timeout for each callback POST.
    public var callbackTimeout: Duration
    /// trueai flavour: finished grids list their four single images in `imageUrls` (the
    /// starting value of the `singleImageLinks` switch; the novicezk flavour ignores it).
    public var singleImageLinks = true
    /// At most this many callback POSTs on the wire at once. 1 (the default) sends them one
    /// after another in the order the core chose, which tests rely on; benchmarks raise it.
    public var callbackConcurrency = 1

    public init(flavor: SimulatorFlavor = .trueai, apiKey: String? = nil, timing: SimulatorTiming = .realistic,
                clock: SimulatorClockMode = .realTime(), accounts: Int = 1, accountCoreSize: Int = 3,
                accountQueueSize: Int = 10, remix: Bool = false, publicBaseURL: String? = nil,
                globalNotifyHook: String? = nil, bannedWords: [String] = ["badword", "gore"],
                seed: UInt64 = 0x5EED, imageLinkLifetime: Duration = .seconds(86_400), imageSide: Int = 128,
                callbackTimeout: Duration = .seconds(5)) {
        self.flavor = flavor
        self.apiKey = apiKey
        self.timing = timing
        self.clock = clock
        self.accounts = max(1, accounts)
        self.accountCoreSize = max(1, accountCoreSize)
        self.accountQueueSize = max(0, accountQueueSize)
        self.remix = remix
        self.publicBaseURL = publicBaseURL
        self.globalNotifyHook = globalNotifyHook
        self.bannedWords = bannedWords
        self.seed = seed
        self.imageLinkLifetime = imageLinkLifetime
        self.imageSide = max(8, imageSide)
        self.callbackTimeout = callbackTimeout
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (s, atto) = components
        return s * 1000 + atto / 1_000_000_000_000_000
    }
}
