import Foundation

/// Decides which hosted images to remove, as a value: given the live catalog and "now", it
/// returns the removals and the blobs no live name points at any more. The App executes the
/// plan (catalog rows marked removed, so their links answer 410; then the blobs deleted).
///
/// Order: every image older than `retention` first (reason `expired`); then, while the blobs
/// still referenced take more than `maxBytes`, the least recently served image (never served:
/// its creation time), reason `size`. Bytes are counted per blob, not per name: two names
/// for the same bytes cost once, and removing one of them frees nothing.
public struct RetentionPlanner: Sendable, Hashable {
    /// nil: no age limit.
    public var retention: TimeInterval?
    public var maxBytes: Int

    public init(retentionDays: Int, maxBytes: Int) {
        self.retention = retentionDays > 0 ? TimeInterval(retentionDays) * 86_400 : nil
        self.maxBytes = maxBytes
    }

    public struct Image: Hashable, Sendable {
        public var name: String
        public var digest: BlobDigest
        public var bytes: Int
        public var createdAt: Date
        public var lastServedAt: Date?

        public init(name: String, digest: BlobDigest, bytes: Int, createdAt: Date, lastServedAt: Date?) {
            self.name = name
            self.digest = digest
            self.bytes = bytes
            self.createdAt = createdAt
            self.lastServedAt = lastServedAt
        }

        var lastUse: Date { max(lastServedAt ?? createdAt, createdAt) }
    }

    public enum Reason: String, Hashable, Sendable, CaseIterable {
        case expired
        case size
    }

    public struct Removal: Hashable, Sendable {
        public var name: String
        public var reason: Reason
    }

    public struct Plan: Hashable, Sendable {
        /// In the order decided.
        public var removals: [Removal]
        /// Blobs only removed names pointed at.
        public var blobsToDelete: [BlobDigest]
        /// What the live images take once the plan is carried out.
        public var bytesAfter: Int

        public var isEmpty: Bool { removals.isEmpty }
    }

    public func plan(live: [Image], now: Date) -> Plan {
        var removals: [Removal] = []
        var kept: [Image] = []
        for image in live {
            if let retention, now.timeIntervalSince(image.createdAt) >= retention {
                removals.append(Removal(name: image.name, reason: .expired))
            } else {
                kept.append(image)
            }
        }
        // Names per blob among the kept, and the bytes those blobs take.
        var namesPerBlob: [BlobDigest: Int] = [:]
        var blobBytes: [BlobDigest: Int] = [:]
        for image in kept {
            namesPerBlob[image.digest, default: 0] += 1
            blobBytes[image.digest] = image.bytes
        }
        var total = blobBytes.values.reduce(0, +)
        if total > maxBytes {
            let order = kept.sorted { ($0.lastUse, $0.createdAt, $0.name) < ($1.lastUse, $1.createdAt, $1.name) }
            var evicted = Set<String>()
            for image in order where total > maxBytes {
                evicted.insert(image.name)
                removals.append(Removal(name: image.name, reason: .size))
                namesPerBlob[image.digest, default: 1] -= 1
                if namesPerBlob[image.digest] == 0 { total -= image.bytes }
            }
            kept.removeAll { evicted.contains($0.name) }
        }
        let stillUsed = Set(kept.map(\.digest))
        let removedNames = Set(removals.map(\.name))
        let orphaned = Set(live.filter { removedNames.contains($0.name) }.map(\.digest)).subtracting(stillUsed)
        return Plan(removals: removals, blobsToDelete: orphaned.sorted(), bytesAfter: total)
    }
}
