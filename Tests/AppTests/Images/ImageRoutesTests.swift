import Foundation
import ImageHosting
import Logging
import NIOHTTP1
import Store
import Testing
@testable import App

/// `GET`/`HEAD /i/<name>` over real loopback HTTP, on a real SQLite catalog and disk store.
@Suite struct ImageRoutesTests {
    struct Fixture {
        let directory: ImageTestDirectory
        let store: SQLiteStore
        let blobs: DiskBlobStore
        let served: ServedImageLog
        let server: RouteServer
        let bytes: [UInt8]
        let record: HostedImageRecord
    }

    static let created = Date(timeIntervalSince1970: 1_764_000_000)

    func fixture() async throws -> Fixture {
        let directory = try ImageTestDirectory()
        let store = try SQLiteStore.open(path: directory.databasePath)
        let blobs = try DiskBlobStore(directory: directory.storePath)
        // Files a traversal would aim for, beside and inside the store.
        try Data("secret = 1\n".utf8).write(to: directory.url.appendingPathComponent("bot.conf"))
        try Data("secret = 2\n".utf8).write(to: URL(fileURLWithPath: directory.storePath).appendingPathComponent("bot.conf"))
        let bytes = pngBytes(7, count: 1000)
        let blob = try await blobs.put(bytes)
        let record = HostedImageRecord(name: "1828-abcdef.png", taskId: "1748339029401828", imageIndex: 0, digest: blob.digest.hex,
                                       contentType: "image/png", bytes: blob.size, createdAt: Self.created)
        var gone = HostedImageRecord(name: "1111-abcdef.png", taskId: "1748339029401111", imageIndex: 0, digest: blob.digest.hex,
                                     contentType: "image/png", bytes: blob.size, createdAt: Self.created)
        gone.removedAt = Self.created
        try await store.recordHostedImages([record, gone], settlingOwedMirrorOf: record.taskId)
        try await store.removeHostedImages(names: [gone.name], reason: "expired", at: Self.created.addingTimeInterval(5))
        let served = ServedImageLog()
        let routes = ImageRoutes(store: store, blobs: blobs, served: served, now: { Self.created.addingTimeInterval(60) },
                                 logger: Logger(label: "test.images"))
        let server = try await RouteServer.start([routes])
        return Fixture(directory: directory, store: store, blobs: blobs, served: served, server: server, bytes: bytes, record: record)
    }

    @Test func getServesTheBytesWithCacheHeadersAndRecordsTheServing() async throws {
        let f = try await fixture()
        let answer = try await httpRequest(f.server.baseURL + "/i/1828-abcdef.png")
        #expect(answer.status == 200)
        #expect(answer.body == f.bytes)
        #expect(answer.headers["content-type"] == "image/png")
        #expect(answer.headers["content-length"] == "\(f.bytes.count)")
        #expect(answer.headers["etag"] == "\"\(f.record.digest)\"")
        #expect(answer.headers["last-modified"] == "Mon, 24 Nov 2025 16:00:00 GMT")
        #expect(answer.headers["cache-control"] == "public, max-age=31536000, immutable")
        #expect(answer.headers["accept-ranges"] == "bytes")

        // Revalidation with the ETag: 304, no body.
        let again = try await httpRequest(f.server.baseURL + "/i/1828-abcdef.png", headers: ["If-None-Match": "\"\(f.record.digest)\""])
        #expect(again.status == 304 && again.body.isEmpty)

        // The serving is batched, then written.
        let batch = await f.served.drain()
        #expect(batch == ["1828-abcdef.png": Self.created.addingTimeInterval(60)])
        try await f.store.markHostedImagesServed(batch)
        #expect(try await f.store.hostedImage(named: "1828-abcdef.png")?.lastServedAt == Self.created.addingTimeInterval(60))
        await f.server.stop()
    }

    @Test func headAndRanges() async throws {
        let f = try await fixture()
        let url = f.server.baseURL + "/i/1828-abcdef.png"
        let head = try await httpRequest(url, method: .HEAD)
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(head.headers["content-length"] == "\(f.bytes.count)" && head.headers["content-type"] == "image/png")

        let part = try await httpRequest(url, headers: ["Range": "bytes=0-9"])
        #expect(part.status == 206 && part.body == Array(f.bytes[0..<10]))
        #expect(part.headers["content-range"] == "bytes 0-9/\(f.bytes.count)")
        let tail = try await httpRequest(url, headers: ["Range": "bytes=-8"])
        #expect(tail.status == 206 && tail.body == Array(f.bytes.suffix(8)))
        #expect(tail.headers["content-range"] == "bytes \(f.bytes.count - 8)-\(f.bytes.count - 1)/\(f.bytes.count)")
        let headPart = try await httpRequest(url, method: .HEAD, headers: ["Range": "bytes=100-199"])
        #expect(headPart.status == 206 && headPart.headers["content-length"] == "100")

        let beyond = try await httpRequest(url, headers: ["Range": "bytes=5000-"])
        #expect(beyond.status == 416 && beyond.headers["content-range"] == "bytes */\(f.bytes.count)")
        // Several ranges are not honoured: the whole image.
        let multi = try await httpRequest(url, headers: ["Range": "bytes=0-1,4-5"])
        #expect(multi.status == 200 && multi.body == f.bytes)
        await f.server.stop()
    }

    @Test func removedIs410UnknownIs404() async throws {
        let f = try await fixture()
        let gone = try await httpRequest(f.server.baseURL + "/i/1111-abcdef.png")
        #expect(gone.status == 410)
        #expect(String(decoding: gone.body, as: UTF8.self) == "This image was removed after the bot's retention period; it is no longer available.\n")
        #expect(try await httpRequest(f.server.baseURL + "/i/1111-abcdef.png", method: .HEAD).status == 410)
        // Well-formed but unknown, and a known ref with another tag (enumeration finds nothing).
        #expect(try await httpRequest(f.server.baseURL + "/i/9999-abcdef.png").status == 404)
        #expect(try await httpRequest(f.server.baseURL + "/i/1828-abcdeg.png").status == 404)
        #expect(try await httpRequest(f.server.baseURL + "/i/1828-abcdef.webp").status == 404)
        await f.server.stop()
    }

    @Test func aRowWhoseFileIsGoneSays410ForGetAndHead() async throws {
        let f = try await fixture()
        try await f.blobs.delete(try #require(BlobDigest(hex: f.record.digest)))
        #expect(try await httpRequest(f.server.baseURL + "/i/1828-abcdef.png").status == 410)
        #expect(try await httpRequest(f.server.baseURL + "/i/1828-abcdef.png", method: .HEAD).status == 410)
        await f.server.stop()
    }

    @Test func traversalAndEncodedVariantsAre404OverTheWire() async throws {
        let f = try await fixture()
        // Sanity: the raw client reaches the route.
        #expect(try await rawStatus(port: f.server.port, target: "/i/1828-abcdef.png") == 200)
        for target in [
            "/i/../bot.conf", "/i/..%2fbot.conf", "/i/%2e%2e%2fbot.conf", "/i/%2E%2E/bot.conf", "/i/..%5cbot.conf",
            "/i/%2e%2e%2f%2e%2e%2fbot.conf", "/i/bot.conf", "/i/./1828-abcdef.png", "/i/1828-abcdef.png/..",
            "/i/1828-abcdef.png%00", "/i/1828%2dabcdef.png", "/i/", "/i",
            "/i/" + f.record.digest, "/i/tmp", "/images/bot.conf", "/i/1828-abcdef.png;x",
        ] {
            let status = try await rawStatus(port: f.server.port, target: target)
            #expect(status == 404, "\(target) → \(status)")
        }
        await f.server.stop()
    }
}
