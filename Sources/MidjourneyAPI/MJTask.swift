import Foundation

/// A task as returned by fetch and list-by-condition and POSTed to `notifyHook` (contract §5).
///
/// Decoding is tolerant: unknown fields are ignored, unknown `status`/`action` values are kept,
/// `progress` `"42%"` becomes 42, numbers and strings are accepted for ids and times, and every
/// field but `id` may be missing or null (new-api gateways return a reduced object).
/// Encoding writes the canonical shape (progress as `"NN%"`), so a stored task decodes again.
public struct MJTask: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var action: TaskAction?
    /// Missing status decodes as `""` (unknown, rank 0).
    public var status: TaskStatus
    /// Percent 0…100; nil when absent or `""` (FAILURE).
    public var progress: Int?
    public var prompt: String?
    public var promptEn: String?
    public var description: String?
    /// The request's `state`, echoed back: the client's correlation field.
    public var state: String?
    /// Epoch milliseconds.
    public var submitTime: Int64?
    public var startTime: Int64?
    public var finishTime: Int64?
    /// Grid or upscale URL; during IN_PROGRESS possibly a low-res preview. Signed Discord links expire.
    public var imageUrl: String?
    /// trueai: individual image URLs when available (`imageUrls: [{url, thumbnail}]`).
    public var imageUrls: [String]
    public var videoUrl: String?
    public var failReason: String?
    public var buttons: [MJButton]
    public var properties: TaskProperties

    public init(id: String, action: TaskAction? = nil, status: TaskStatus, progress: Int? = nil, prompt: String? = nil,
                promptEn: String? = nil, description: String? = nil, state: String? = nil, submitTime: Int64? = nil,
                startTime: Int64? = nil, finishTime: Int64? = nil, imageUrl: String? = nil, imageUrls: [String] = [],
                videoUrl: String? = nil, failReason: String? = nil, buttons: [MJButton] = [],
                properties: TaskProperties = TaskProperties()) {
        self.id = id
        self.action = action
        self.status = status
        self.progress = progress
        self.prompt = prompt
        self.promptEn = promptEn
        self.description = description
        self.state = state
        self.submitTime = submitTime
        self.startTime = startTime
        self.finishTime = finishTime
        self.imageUrl = imageUrl
        self.imageUrls = imageUrls
        self.videoUrl = videoUrl
        self.failReason = failReason
        self.buttons = buttons
        self.properties = properties
    }

    /// Interprets a parsed task object; nil when it has no usable `id`.
    public init?(json: JSONValue) {
        guard case .object(let o) = json,
              let id = o["id"]?.stringValue, !id.isEmpty else { return nil }
        func text(_ key: String) -> String? {
            guard let value = o[key]?.stringValue, !value.isEmpty else { return nil }
            return value
        }
        self.id = id
        self.action = text("action").map(TaskAction.init(rawValue:))
        self.status = TaskStatus(rawValue: text("status") ?? "")
        self.progress = o["progress"]?.intValue.map { min(max($0, 0), 100) }
        self.prompt = text("prompt")
        self.promptEn = text("promptEn")
        self.description = text("description")
        self.state = text("state")
        self.submitTime = Self.time(o["submitTime"])
        self.startTime = Self.time(o["startTime"])
        self.finishTime = Self.time(o["finishTime"])
        self.imageUrl = text("imageUrl")
        // Bounded: a grid has four singles; a few more are kept so a list that is not a grid's
        // can still be told apart (the bridge ignores it), but a hostile proxy's thousands are not.
        self.imageUrls = (o["imageUrls"]?.arrayValue ?? []).prefix(Self.maxImageUrls).compactMap { entry in
            entry["url"]?.stringValue ?? entry.stringValue
        }
        self.videoUrl = text("videoUrl")
        self.failReason = text("failReason")
        self.buttons = (o["buttons"]?.arrayValue ?? []).compactMap(MJButton.init(json:))
        self.properties = TaskProperties(o["properties"]?.objectValue ?? [:])
    }

    /// How many `imageUrls` entries are read from a task body (a grid's four, and room to see
    /// that a longer list is not a grid's).
    public static let maxImageUrls = 8

    /// Epoch ms; gateways write 0 for "not yet".
    private static func time(_ value: JSONValue?) -> Int64? {
        guard let ms = value?.int64Value, ms > 0 else { return nil }
        return ms
    }

    /// Decodes one task from a body; throws `.decoding` when it is not a task object.
    public static func decode(_ data: Data) throws(MJError) -> MJTask {
        let json: JSONValue?
        do {
            json = try JSONValue.parse(data)
        } catch {
            throw .decoding("a task body is not JSON (\(MJError.snippet(of: data)))")
        }
        guard let json, let task = MJTask(json: json) else {
            throw .decoding("a task body has no 'id' (\(MJError.snippet(of: data)))")
        }
        return task
    }

    public init(from decoder: any Decoder) throws {
        let json = try JSONValue(from: decoder)
        guard let task = MJTask(json: json) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "task without id"))
        }
        self = task
    }

    private enum CodingKeys: String, CodingKey {
        case id, action, status, progress, prompt, promptEn, description, state, submitTime, startTime, finishTime
        case imageUrl, imageUrls, videoUrl, failReason, buttons, properties
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(action, forKey: .action)
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(progress.map { "\($0)%" }, forKey: .progress)
        try c.encodeIfPresent(prompt, forKey: .prompt)
        try c.encodeIfPresent(promptEn, forKey: .promptEn)
        try c.encodeIfPresent(description, forKey: .description)
        try c.encodeIfPresent(state, forKey: .state)
        try c.encodeIfPresent(submitTime, forKey: .submitTime)
        try c.encodeIfPresent(startTime, forKey: .startTime)
        try c.encodeIfPresent(finishTime, forKey: .finishTime)
        try c.encodeIfPresent(imageUrl, forKey: .imageUrl)
        if !imageUrls.isEmpty {
            try c.encode(imageUrls.map { JSONValue.object(["url": .string($0)]) }, forKey: .imageUrls)
        }
        try c.encodeIfPresent(videoUrl, forKey: .videoUrl)
        try c.encodeIfPresent(failReason, forKey: .failReason)
        try c.encode(buttons, forKey: .buttons)
        try c.encode(properties, forKey: .properties)
    }

    // MARK: Derived

    /// Position in the forward order of states (contract §7): `status.rank * 100`, plus the
    /// progress while IN_PROGRESS. An update whose order is lower than the stored one is stale.
    public var order: Int {
        status.rank * 100 + (status == .inProgress ? min(progress ?? 0, 99) : 0)
    }

    public var isTerminal: Bool { status.isTerminal }

    public var submitDate: Date? { submitTime.map(Self.date(fromMilliseconds:)) }
    public var startDate: Date? { startTime.map(Self.date(fromMilliseconds:)) }
    public var finishDate: Date? { finishTime.map(Self.date(fromMilliseconds:)) }

    private static func date(fromMilliseconds ms: Int64) -> Date {
        Date(timeIntervalSince1970: Double(ms) / 1000)
    }

    /// The first offered button of that kind (so the client presses what the task offers).
    public func button(_ kind: ButtonKind) -> MJButton? {
        buttons.first { $0.kind == kind }
    }
}
