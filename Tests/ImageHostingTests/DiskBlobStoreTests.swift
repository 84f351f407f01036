import Foundation
import Testing
@testable import ImageHosting

/// A directory under the system temp dir, removed when the test ends.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("blobtests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    var path: String { url.path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// DiskBlobStore on a real directory: content addressing, ranges, deletion, listing by age,
/// and the clean-up of temp files a crashed write left.
@Suite struct DiskBlobStoreTests {
    let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(0..<200).map { UInt8($0) }

    @Test func putStoresUnderTheSHA256AndGetReturnsTheSameBytes() async throws {
        let dir = try TemporaryDirectory()
        let store = try DiskBlobStore(directory: dir.path + "/images")
        let stored = try await store.put(png)
        // SHA-256 computed independently by the system's sha256sum would be the same; here the
        // empty input's well-known digest pins the algorithm.
        #expect(BlobDigest(of: [UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(stored.digest == BlobDigest(of: png) && stored.size == png.count)
        #expect(try await store.get(stored.digest) == png)
        let file = dir.path + "/images/" + String(stored.digest.hex.prefix(2)) + "/" + stored.digest.hex
        #expect(FileManager.default.contents(atPath: file) == Data(png))
        let mode = try FileManager.default.attributesOfItem(atPath: dir.path + "/images")[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o700)

        // The same bytes again: the same blob, nothing new.
        let again = try await store.put(png)
        #expect(again == stored)
        #expect(try await store.listByAge().count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/images/tmp").isEmpty)
    }

    @Test func rangesAreClampedToTheBlob() async throws {
        let dir = try TemporaryDirectory()
        let store = try DiskBlobStore(directory: dir.path)
        let digest = try await store.put(png).digest
        #expect(try await store.get(digest, range: 0..<8) == Array(png[0..<8]))
        #expect(try await store.get(digest, range: 100..<108) == Array(png[100..<108]))
        #expect(try await store.get(digest, range: 200..<10_000) == Array(png[200...]))
        #expect(try await store.get(digest, range: 5_000..<6_000) == [])
        let missing = BlobDigest(of: [1, 2, 3])
        #expect(try await store.get(missing, range: 0..<1) == nil)
        #expect(try await store.get(missing) == nil)
        #expect(try await store.info(missing) == nil)
    }

    @Test func deleteRemovesAndListIsOldestFirst() async throws {
        let dir = try TemporaryDirectory()
        let store = try DiskBlobStore(directory: dir.path)
        let a = try await store.put(png)
        let b = try await store.put(png + [1])
        let c = try await store.put(png + [2])
        // Ages set by hand: b oldest, then c, then a.
        for (blob, seconds) in [(a, 3000.0), (b, 1000.0), (c, 2000.0)] {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: seconds)],
                                                  ofItemAtPath: store.fileURL(blob.digest).path)
        }
        #expect(try await store.listByAge().map(\.digest) == [b.digest, c.digest, a.digest])
        try await store.delete(c.digest)
        try await store.delete(c.digest) // gone already: no error
        #expect(try await store.get(c.digest) == nil)
        #expect(try await store.listByAge().map(\.digest) == [b.digest, a.digest])
    }

    @Test func strayTempFilesAndForeignFilesAreNotBlobs() async throws {
        let dir = try TemporaryDirectory()
        do {
            let store = try DiskBlobStore(directory: dir.path)
            _ = try await store.put(png)
        }
        // A write that crashed before its rename, and files the store never wrote.
        try Data([1, 2, 3]).write(to: dir.url.appendingPathComponent("tmp/abc.part"))
        try Data("secret".utf8).write(to: dir.url.appendingPathComponent("bot.conf"))
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("zz"), withIntermediateDirectories: true)
        try Data([9]).write(to: dir.url.appendingPathComponent("zz/" + BlobDigest(of: [9]).hex))
        let reopened = try DiskBlobStore(directory: dir.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/tmp").isEmpty)
        #expect(try await reopened.listByAge().map(\.digest) == [BlobDigest(of: png)])
    }

    @Test func digestsAreOnlyLowerCaseHex() {
        let good = String(repeating: "ab", count: 32)
        #expect(BlobDigest(hex: good)?.hex == good)
        #expect(BlobDigest(hex: good.uppercased()) == nil)
        #expect(BlobDigest(hex: String(good.dropLast())) == nil)
        #expect(BlobDigest(hex: "../" + String(good.dropFirst(3))) == nil)
    }
}
