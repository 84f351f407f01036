import Foundation

/// A stored blob as its store knows it.
public struct StoredBlob: Hashable, Sendable {
    public var digest: BlobDigest
    public var size: Int
    /// When the bytes were first stored (a later `put` of the same bytes does not change it).
    public var storedAt: Date

    public init(digest: BlobDigest, size: Int, storedAt: Date) {
        self.digest = digest
        self.size = size
        self.storedAt = storedAt
    }
}

/// Why a blob store could not do what it was asked; `description` is for the operator's log.
public struct BlobStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    public var reason: String

    public init(_ operation: String, _ reason: String) {
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "blob store \(operation): \(reason)" }
}

/// Where the bytes of hosted images live, content-addressed by SHA-256. Deliberately small:
/// the catalog (which public name points at which digest, what was removed and why) lives in
/// the database, so an S3-compatible bucket or PostgreSQL large objects can implement this
/// without the bridge, the catalog or the HTTP route changing.
///
/// Putting bytes that are already stored is cheap and harmless (same digest, same blob), so a
/// retried mirror never duplicates anything.
public protocol BlobStore: Sendable {
    /// Stores `bytes` (atomically: a reader sees the whole blob or none) and returns it.
    func put(_ bytes: [UInt8]) async throws(BlobStoreError) -> StoredBlob
    /// The whole blob, nil when there is none.
    func get(_ digest: BlobDigest) async throws(BlobStoreError) -> [UInt8]?
    /// The bytes in `range` (clamped to the blob's end), nil when there is no such blob.
    func get(_ digest: BlobDigest, range: Range<Int>) async throws(BlobStoreError) -> [UInt8]?
    /// Size and age without reading the bytes, nil when there is none.
    func info(_ digest: BlobDigest) async throws(BlobStoreError) -> StoredBlob?
    /// Removes the blob; removing one that is not there is no error.
    func delete(_ digest: BlobDigest) async throws(BlobStoreError)
    /// Every blob, oldest first (for finding blobs no catalog row points at any more).
    func listByAge() async throws(BlobStoreError) -> [StoredBlob]
}
