import Foundation

enum SimStatus: String, Sendable {
    case notStart = "NOT_START"
    case submitted = "SUBMITTED"
    case inProgress = "IN_PROGRESS"
    case success = "SUCCESS"
    case failure = "FAILURE"
    case modal = "MODAL"
    case cancel = "CANCEL"

    var isTerminal: Bool { self == .success || self == .failure || self == .cancel }
}

/// What a finished task shows and which buttons it gets.
enum ResultKind: Sendable, Equatable {
    case grid
    case upscaled
    case plainImage
    case describe
    case shorten
}

/// A failure decided when the task was accepted (banned word on trueai, injected failure,
/// a customId the parent never offered, a Custom Zoom without `--zoom`).
struct PlannedFailure: Sendable {
    var reason: String
    /// Fail before SUBMITTED (Discord refused the interaction) rather than after the first progress.
    var atStart: Bool
}

/// One of trueai's `imageUrls` entries.
struct SingleImageLink: Sendable, Equatable {
    var url: String
    var thumbnail: String
}

/// One simulated proxy task and its schedule.
struct SimTask: Sendable {
    let id: String
    let seq: Int
    var action: String
    var status: SimStatus = .notStart
    var progress: String = "0%"
    var prompt: String
    var promptEn: String
    var description: String
    var state: String?
    var submitTime: Int64
    var startTime: Int64?
    var finishTime: Int64?
    var imageUrl: String?
    /// trueai: the single images of a finished grid (`imageUrls`), when the switch fills them.
    var imageUrls: [SingleImageLink] = []
    var failReason: String?
    var buttons: [SimButton] = []
    var finalPrompt: String?
    let messageHash: String
    let messageId: String
    var notifyHook: String?
    var account: Int
    var mode: String
    var botType: String
    var parentId: String?
    var customId: String?
    var result: ResultKind
    var image: ImageContent?
    var describePrompts: [String]?
    var modalAction: ButtonAction?
    var isRemixModal = false

    // Schedule
    var phase = 0
    var nextEventAt: Int64?
    var runningSince: Int64?
    var parked = false
    var plannedFailure: PlannedFailure?
    /// Replaces the result's `imageUrl` on success (`SimulatorControls.replaceImageUrlOfNextTasks`).
    var plannedImageUrl: String?
    var lastNotifiedRank: Double = -1

    var hasPublishedHash: Bool { status == .success && result != .shorten }

    /// Callback ordering rank (NZ `convertOrder`, TA `GetOrder`): never notify backwards.
    func rank(flavor: SimulatorFlavor) -> Double {
        switch status {
        case .notStart, .modal: return 0
        case .submitted: return 1
        case .inProgress: return 3 + (Double(progress.dropLast()) ?? 0) / 100
        case .failure, .cancel: return 4
        case .success: return flavor == .trueai ? 5 : 4
        }
    }

    func json(flavor: SimulatorFlavor, instanceId: String) -> JSONValue {
        var o = JSONObject()
        o["id"] = .string(id)
        o["action"] = .string(action)
        o["status"] = .string(status.rawValue)
        o["progress"] = .string(progress)
        o["prompt"] = .string(prompt)
        o["promptEn"] = .string(promptEn)
        o["description"] = .string(description)
        o["state"] = .optional(state)
        o["submitTime"] = .int(submitTime)
        o["startTime"] = .optional(startTime)
        o["finishTime"] = .optional(finishTime)
        o["imageUrl"] = .optional(imageUrl)
        if flavor == .trueai {
            // TA always serialises the list (empty when it has none to give).
            o["imageUrls"] = .array(imageUrls.map { ["url": .string($0.url), "thumbnail": .string($0.thumbnail)] })
        }
        o["failReason"] = .optional(failReason)
        o["buttons"] = .array(buttons.map(\.json))

        var p = JSONObject()
        p["finalPrompt"] = .optional(finalPrompt)
        p["discordInstanceId"] = .string(instanceId)
        if flavor == .trueai { p["discordChannelId"] = .string(instanceId) }
        p["botType"] = .string(botType)
        if hasPublishedHash {
            p["messageId"] = .string(messageId)
            p["messageHash"] = .string(messageHash)
        }
        if status == .modal || isRemixModal { p["remix"] = .bool(true) }
        p["notifyHook"] = .optional(notifyHook)
        o["properties"] = .object(p)

        if flavor == .trueai {
            // TA serialises its whole TaskInfo; a few of those extras, so clients prove they ignore them.
            o["parentId"] = .optional(parentId)
            o["botType"] = .string(botType)
            o["mode"] = .string(mode)
            o["instanceId"] = .string(instanceId)
            o["seed"] = .null
            o["isCompleted"] = .bool(status.isTerminal)
            o["displays"] = [
                "status": .string(status.rawValue), "action": .string(action),
                "submitTime": .string(Self.display(submitTime)),
                "startTime": .optional(startTime.map(Self.display)),
                "finishTime": .optional(finishTime.map(Self.display)),
                "discordInstanceId": .string(instanceId),
            ]
        }
        return .object(o)
    }

    private static func display(_ ms: Int64) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                        from: Date(timeIntervalSince1970: Double(ms) / 1000))
        func two(_ v: Int?) -> String { String(v ?? 0).leftPadded(to: 2) }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }
}
