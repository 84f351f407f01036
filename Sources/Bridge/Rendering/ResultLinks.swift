/// The links a result line carries: the bot's own short links when the result was mirrored,
/// else the proxy's, as given. Pure: which of the two is decided by the mirror's outcome.
public struct ResultLinks: Sendable, Hashable {
    /// The grid, or the one image of an upscale.
    public var grid: String?
    /// The single images beside a grid, in order (labelled 1…4 in the line).
    public var singles: [String]
    /// The proxy's `videoUrl` (never mirrored: posted as given).
    public var video: String?
    /// The links are the bot's own (short, lasting).
    public var isHosted: Bool

    public init(grid: String?, singles: [String] = [], video: String? = nil, isHosted: Bool = false) {
        self.grid = grid
        self.singles = singles
        self.video = video
        self.isHosted = isHosted
    }

    /// What a result line links to: the host's links when the mirror stored the result, else
    /// the proxy's (`.disabled`, `.failed`, or no host at all).
    public init(proxy images: ResultImages, video: String?, outcome: MirrorOutcome?) {
        if case .hosted(let hosted)? = outcome {
            // Only the host's singles: filling gaps with the proxy's would mix lasting and
            // expiring links under one set of labels. A grid the host did not give (it should)
            // is still linked, the proxy's way.
            self.init(grid: hosted.grid ?? images.grid, singles: hosted.singles, video: video, isHosted: true)
        } else {
            self.init(grid: images.grid, singles: images.singles, video: video)
        }
    }

    /// The links of a stored task for `!status` and `!tasks`: the host's once mirrored (also
    /// when that only worked later, in the background), else the proxy's grid link.
    public init(stored proxyGrid: String?, hosted: HostedLinks?) {
        if let hosted, hosted.grid != nil || !hosted.singles.isEmpty {
            self.init(grid: hosted.grid ?? proxyGrid, singles: hosted.singles, isHosted: true)
        } else {
            self.init(grid: proxyGrid)
        }
    }

    public var isEmpty: Bool { grid == nil && singles.isEmpty && video == nil }

    /// Proxies may return one `imageUrls` entry for a single image (the image itself): only
    /// two or more are singles of a grid worth their own links. A grid has four quadrants, so
    /// a longer list is not singles of a grid (they would not match the labels 1…4) and is
    /// ignored: otherwise a proxy could make one result line, and the host's downloads, as
    /// long as it likes.
    public static func singles(from imageUrls: [String]) -> [String] {
        (2...maxSingles).contains(imageUrls.count) ? imageUrls : []
    }

    /// The quadrants of a grid.
    public static let maxSingles = 4
}
