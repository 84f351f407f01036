import Foundation
import GRDB

/// One public name of a hosted result image (the catalog; the bytes are in a blob store,
/// found by `digest`). A removed image keeps its row, so its link answers 410 (gone, and why)
/// instead of 404 (never was).
public struct HostedImageRecord: Sendable, Hashable, Codable {
    /// The public name, `<ref>-<tag>.<ext>` or `<ref>-<tag>-<n>.<ext>` (see ImageHosting.ImageName).
    public var name: String
    public var taskId: String
    /// 0 = the grid (or the one image of an upscale), 1...4 = a single image.
    public var imageIndex: Int
    /// SHA-256 of the bytes, lower-case hex.
    public var digest: String
    public var contentType: String
    public var bytes: Int
    public var createdAt: Date
    /// Updated in batches when the link is fetched; retention evicts the least recently served.
    public var lastServedAt: Date?
    public var removedAt: Date?
    /// Why it was removed (`expired`, `size`), shown on the 410 page.
    public var removedReason: String?

    public init(name: String, taskId: String, imageIndex: Int, digest: String, contentType: String, bytes: Int, createdAt: Date) {
        self.name = name
        self.taskId = taskId
        self.imageIndex = imageIndex
        self.digest = digest
        self.contentType = contentType
        self.bytes = bytes
        self.createdAt = createdAt
        self.lastServedAt = nil
        self.removedAt = nil
        self.removedReason = nil
    }

    public var isRemoved: Bool { removedAt != nil }
}

extension HostedImageRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "hostedImage"
}

/// A result whose mirror failed and is still owed: the proxy's links to try again, and when.
/// Kept in the database so the retry survives a restart.
public struct OwedMirrorRecord: Sendable, Hashable, Codable {
    public var taskId: String
    public var gridUrl: String?
    /// The single images' links, in order, newline-separated (URLs never hold a newline).
    public var singleUrls: String
    public var firstFailedAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?

    public init(taskId: String, gridUrl: String?, singleUrls: [String], firstFailedAt: Date, attempts: Int,
                nextAttemptAt: Date, lastError: String?) {
        self.taskId = taskId
        self.gridUrl = gridUrl
        self.singleUrls = singleUrls.joined(separator: "\n")
        self.firstFailedAt = firstFailedAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }

    public var singles: [String] {
        singleUrls.split(separator: "\n").map(String.init)
    }
}

extension OwedMirrorRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "owedMirror"
}
