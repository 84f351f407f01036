import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `BlobStore` on a local directory: each blob is the file `<dir>/<first two hex>/<hex>`
/// (named from the digest only; the fan-out keeps directories small), written to
/// `<dir>/tmp/` first, flushed, then renamed into place, so a crash leaves either the whole
/// file or a stray temp file, which the next start removes.
///
/// Blocking file calls, made inline: images are a few megabytes, written once per result and
/// read once per uncached request, so a thread pool hop costs more than it saves.
public struct DiskBlobStore: BlobStore {
    public let directory: URL
    var temporaryDirectory: URL { directory.appendingPathComponent("tmp", isDirectory: true) }

    /// Opens (creating, owner-only) the store at `directory` and removes stray temp files of a
    /// write that never finished. Only one process may use a directory (the bot's database lock
    /// guarantees that for the default one next to the database).
    public init(directory: String) throws(BlobStoreError) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(at: self.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try fileManager.createDirectory(at: temporaryDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            for name in try fileManager.contentsOfDirectory(atPath: temporaryDirectory.path) {
                try fileManager.removeItem(at: temporaryDirectory.appendingPathComponent(name))
            }
        } catch {
            throw BlobStoreError("open \(directory)", "\(error)")
        }
    }

    /// Where the blob lives: built from the validated hex only.
    func fileURL(_ digest: BlobDigest) -> URL {
        directory.appendingPathComponent(String(digest.hex.prefix(2)), isDirectory: true).appendingPathComponent(digest.hex)
    }

    public func put(_ bytes: [UInt8]) async throws(BlobStoreError) -> StoredBlob {
        let digest = BlobDigest(of: bytes)
        if let existing = try await info(digest) { return existing }
        let target = fileURL(digest)
        let temporary = temporaryDirectory.appendingPathComponent(UUID().uuidString + ".part")
        do {
            try Self.writeSynced(bytes, to: temporary.path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            guard rename(temporary.path, target.path) == 0 else { throw BlobStoreError("rename", Self.errnoText()) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw BlobStoreError("put \(digest.hex)", "\(error)")
        }
        guard let stored = try await info(digest) else { throw BlobStoreError("put \(digest.hex)", "file vanished after rename") }
        return stored
    }

    public func get(_ digest: BlobDigest) async throws(BlobStoreError) -> [UInt8]? {
        let url = fileURL(digest)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return Array(try Data(contentsOf: url))
        } catch {
            if !FileManager.default.fileExists(atPath: url.path) { return nil }
            throw BlobStoreError("get \(digest.hex)", "\(error)")
        }
    }

    public func get(_ digest: BlobDigest, range: Range<Int>) async throws(BlobStoreError) -> [UInt8]? {
        let url = fileURL(digest)
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return nil }
        defer { try? handle.close() }
        do {
            let start = max(0, range.lowerBound)
            try handle.seek(toOffset: UInt64(start))
            let count = max(0, range.upperBound - start)
            return Array(try handle.read(upToCount: count) ?? Data())
        } catch {
            throw BlobStoreError("get \(digest.hex) range \(range)", "\(error)")
        }
    }

    public func info(_ digest: BlobDigest) async throws(BlobStoreError) -> StoredBlob? {
        Self.stat(fileURL(digest).path).map { StoredBlob(digest: digest, size: $0.size, storedAt: $0.modified) }
    }

    public func delete(_ digest: BlobDigest) async throws(BlobStoreError) {
        let path = fileURL(digest).path
        guard unlink(path) == 0 || errno == ENOENT else { throw BlobStoreError("delete \(digest.hex)", Self.errnoText()) }
    }

    public func listByAge() async throws(BlobStoreError) -> [StoredBlob] {
        let fileManager = FileManager.default
        var blobs: [StoredBlob] = []
        let shards: [String]
        do {
            shards = try fileManager.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw BlobStoreError("list", "\(error)")
        }
        for shard in shards where shard.utf8.count == 2 {
            let names = (try? fileManager.contentsOfDirectory(atPath: directory.appendingPathComponent(shard).path)) ?? []
            // Only files this store could have written: a valid digest in its own shard.
            for name in names {
                guard let digest = BlobDigest(hex: name), name.hasPrefix(shard),
                      let found = Self.stat(fileURL(digest).path) else { continue }
                blobs.append(StoredBlob(digest: digest, size: found.size, storedAt: found.modified))
            }
        }
        return blobs.sorted { ($0.storedAt, $0.digest) < ($1.storedAt, $1.digest) }
    }

    // MARK: Files

    /// Creates `path` (owner-only, must not exist), writes everything and fsyncs it, so the
    /// rename that follows publishes a complete file even after a power loss.
    private static func writeSynced(_ bytes: [UInt8], to path: String) throws(BlobStoreError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BlobStoreError("create temp file", errnoText()) }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress! + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw BlobStoreError("write temp file", errnoText())
            }
            offset += written
        }
        guard fsync(descriptor) == 0 else { throw BlobStoreError("fsync temp file", errnoText()) }
    }

    private static func stat(_ path: String) -> (size: Int, modified: Date)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              (attributes[.type] as? FileAttributeType) == .typeRegular,
              let size = (attributes[.size] as? NSNumber)?.intValue else { return nil }
        return (size, (attributes[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0))
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
