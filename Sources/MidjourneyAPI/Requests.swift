// Request bodies, one per submit endpoint (contract §2.1–2.2). Optional fields are left out of
// the JSON when nil, because several servers treat `""` differently from a missing field.

/// Which Discord bot runs the job.
public enum BotType: String, Codable, Sendable, Hashable {
    case midjourney = "MID_JOURNEY"
    case niji = "NIJI_JOURNEY"
}

/// Aspect of a blend (PORTRAIT 2:3, SQUARE 1:1, LANDSCAPE 3:2).
public enum BlendDimensions: String, Codable, Sendable, Hashable, CaseIterable {
    case portrait = "PORTRAIT"
    case square = "SQUARE"
    case landscape = "LANDSCAPE"
}

/// Account selection (contract §2.1). new-api gateways drop it unless their operator enabled it.
public struct AccountFilter: Codable, Sendable, Hashable {
    public var channelId: String?
    public var instanceId: String?
    /// Priority order of `RELAX`, `FAST`, `TURBO`.
    public var modes: [String]?
    public var remark: String?
    public var remix: Bool?
    public var nijiRemix: Bool?
    public var remixAutoConsidered: Bool?

    public init(channelId: String? = nil, instanceId: String? = nil, modes: [String]? = nil, remark: String? = nil,
                remix: Bool? = nil, nijiRemix: Bool? = nil, remixAutoConsidered: Bool? = nil) {
        self.channelId = channelId
        self.instanceId = instanceId
        self.modes = modes
        self.remark = remark
        self.remix = remix
        self.nijiRemix = nijiRemix
        self.remixAutoConsidered = remixAutoConsidered
    }
}

/// `POST /mj/submit/imagine`.
public struct ImagineRequest: Encodable, Sendable, Hashable {
    public var prompt: String
    /// Image prompts as data URLs (`data:image/png;base64,…`).
    public var base64Array: [String]?
    public var botType: BotType?
    public var state: String?
    public var notifyHook: String?
    public var accountFilter: AccountFilter?

    public init(prompt: String, base64Array: [String]? = nil, botType: BotType? = nil, state: String? = nil,
                notifyHook: String? = nil, accountFilter: AccountFilter? = nil) {
        self.prompt = prompt
        self.base64Array = base64Array
        self.botType = botType
        self.state = state
        self.notifyHook = notifyHook
        self.accountFilter = accountFilter
    }
}

/// `POST /mj/submit/action`: press a button of a finished task. `customId` must be copied from
/// the task's `buttons`, never built (contract §6).
public struct ActionRequest: Encodable, Sendable, Hashable {
    public var taskId: String
    public var customId: String
    public var chooseSameChannel: Bool?
    /// trueai: force the modal (remix) step.
    public var enableRemix: Bool?
    public var accountFilter: AccountFilter?
    public var notifyHook: String?
    public var state: String?

    public init(taskId: String, customId: String, chooseSameChannel: Bool? = nil, enableRemix: Bool? = nil,
                accountFilter: AccountFilter? = nil, notifyHook: String? = nil, state: String? = nil) {
        self.taskId = taskId
        self.customId = customId
        self.chooseSameChannel = chooseSameChannel
        self.enableRemix = enableRemix
        self.accountFilter = accountFilter
        self.notifyHook = notifyHook
        self.state = state
    }

    /// Presses `button` of `task`.
    public init(task: MJTask, button: MJButton, notifyHook: String? = nil, state: String? = nil) {
        self.init(taskId: task.id, customId: button.customId, notifyHook: notifyHook, state: state)
    }
}

/// `POST /mj/submit/modal`: confirms the MODAL task returned with code 21.
public struct ModalRequest: Encodable, Sendable, Hashable {
    /// The id returned with code 21, not the parent's.
    public var taskId: String
    public var prompt: String?
    /// Vary (Region) mask: PNG data URL, black background, selected area white.
    public var maskBase64: String?

    public init(taskId: String, prompt: String? = nil, maskBase64: String? = nil) {
        self.taskId = taskId
        self.prompt = prompt
        self.maskBase64 = maskBase64
    }
}

/// `POST /mj/submit/blend` with 2 to 5 images (checked by the client before sending).
public struct BlendRequest: Encodable, Sendable, Hashable {
    public static let imageCountRange = 2...5

    public var base64Array: [String]
    public var dimensions: BlendDimensions?
    public var botType: BotType?
    public var state: String?
    public var notifyHook: String?
    public var accountFilter: AccountFilter?

    public init(base64Array: [String], dimensions: BlendDimensions? = nil, botType: BotType? = nil, state: String? = nil,
                notifyHook: String? = nil, accountFilter: AccountFilter? = nil) {
        self.base64Array = base64Array
        self.dimensions = dimensions
        self.botType = botType
        self.state = state
        self.notifyHook = notifyHook
        self.accountFilter = accountFilter
    }
}

/// `POST /mj/submit/describe` with either an image data URL or (trueai) an http(s) link.
public struct DescribeRequest: Encodable, Sendable, Hashable {
    public var base64: String?
    public var link: String?
    public var botType: BotType?
    public var state: String?
    public var notifyHook: String?
    public var accountFilter: AccountFilter?

    public init(base64: String, botType: BotType? = nil, state: String? = nil, notifyHook: String? = nil,
                accountFilter: AccountFilter? = nil) {
        self.base64 = base64
        self.botType = botType
        self.state = state
        self.notifyHook = notifyHook
        self.accountFilter = accountFilter
    }

    public init(link: String, botType: BotType? = nil, state: String? = nil, notifyHook: String? = nil,
                accountFilter: AccountFilter? = nil) {
        self.link = link
        self.botType = botType
        self.state = state
        self.notifyHook = notifyHook
        self.accountFilter = accountFilter
    }
}

/// `POST /mj/submit/shorten`.
public struct ShortenRequest: Encodable, Sendable, Hashable {
    public var prompt: String
    public var botType: BotType?
    public var state: String?
    public var notifyHook: String?
    public var accountFilter: AccountFilter?

    public init(prompt: String, botType: BotType? = nil, state: String? = nil, notifyHook: String? = nil,
                accountFilter: AccountFilter? = nil) {
        self.prompt = prompt
        self.botType = botType
        self.state = state
        self.notifyHook = notifyHook
        self.accountFilter = accountFilter
    }
}

/// `POST /mj/insight-face/swap`: the face of `sourceBase64` onto `targetBase64`.
public struct SwapFaceRequest: Encodable, Sendable, Hashable {
    public var sourceBase64: String
    public var targetBase64: String
    public var state: String?
    public var notifyHook: String?
    public var accountFilter: AccountFilter?

    public init(sourceBase64: String, targetBase64: String, state: String? = nil, notifyHook: String? = nil,
                accountFilter: AccountFilter? = nil) {
        self.sourceBase64 = sourceBase64
        self.targetBase64 = targetBase64
        self.state = state
        self.notifyHook = notifyHook
        self.accountFilter = accountFilter
    }
}

/// `POST /mj/submit/upload-discord-images`.
public struct UploadDiscordImagesRequest: Encodable, Sendable, Hashable {
    public var base64Array: [String]
    public var accountFilter: AccountFilter?

    public init(base64Array: [String], accountFilter: AccountFilter? = nil) {
        self.base64Array = base64Array
        self.accountFilter = accountFilter
    }
}

/// `POST /mj/task/list-by-condition`.
struct ListByConditionRequest: Encodable, Sendable {
    var ids: [String]
}
