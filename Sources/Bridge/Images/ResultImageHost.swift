/// The images a finished task produced, as the proxy linked them (`imageUrl`, `imageUrls`).
public struct ResultImages: Sendable, Hashable {
    public var taskId: String
    /// The grid, or the one image of an upscale.
    public var grid: String?
    /// The single images some proxies return beside a grid (`imageUrls`), in order; usually 0 or 4.
    public var singles: [String]

    public init(taskId: String, grid: String?, singles: [String] = []) {
        self.taskId = taskId
        self.grid = grid
        self.singles = singles
    }
}

/// The bot's own short links for a task's images.
public struct HostedLinks: Sendable, Hashable, Codable {
    public var grid: String?
    public var singles: [String]

    public init(grid: String?, singles: [String] = []) {
        self.grid = grid
        self.singles = singles
    }
}

/// What mirroring a result came to.
public enum MirrorOutcome: Sendable, Hashable {
    /// Stored: post these links.
    case hosted(HostedLinks)
    /// Image hosting is off (no `public_base_url`): post the proxy's links as they are.
    case disabled
    /// The download or the write failed; the host retries in the background on its own, and
    /// `hostedLinks(forTask:)` answers once that worked. Post the proxy's links meanwhile.
    case failed(reason: String)
}

/// Where the bot keeps copies of its results and serves them under short links. The App gives
/// the implementation (downloads under the fetch rules, a blob store, the catalog in the
/// database); ChatBridge stays free of I/O and only asks.
public protocol ResultImageHost: Sendable {
    /// Mirrors a finished task's images before its result line is committed, so a posted short
    /// link never points at nothing. Returns within the host's own download deadline. The
    /// calling task may be cancelled (the bridge's own deadline passed): the mirror then
    /// counts as failed and must still be retried in the background.
    func mirror(_ images: ResultImages) async -> MirrorOutcome
    /// The bot's links for a task once mirrored (for `!status`, `!tasks`), else nil.
    func hostedLinks(forTask taskId: String) async -> HostedLinks?
    /// The mirrored bytes of a task's image as a data URL (`index` nil: the grid or the one image;
    /// 1...4: a single image), for using an earlier result as an image input; nil when not mirrored.
    func mirroredImage(forTask taskId: String, index: Int?) async -> String?
}
