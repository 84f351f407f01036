import Foundation
import MidjourneyAPI
import MidjourneySimulator
import Testing
@testable import Bridge

/// `HTTPImageFetcher` over real loopback HTTP: the simulator's signed PNG links, and a test
/// server for the answers a hostile or broken image host gives.
@Suite struct HTTPImageFetcherTests {
    static func decodedBytes(_ dataURL: String, type: String = "image/png") throws -> [UInt8] {
        let prefix = "data:\(type);base64,"
        #expect(dataURL.hasPrefix(prefix))
        return [UInt8](try #require(Data(base64Encoded: String(dataURL.dropFirst(prefix.count)))))
    }

    @Test func downloadsASimulatorImageAsADataURL() async throws {
        let sim = try await SimulatorServer.start(configuration: SimulatorConfiguration(
            timing: .instant, clock: .manual(startEpochMilliseconds: 1_748_339_029_401)))
        defer { Task { await sim.shutdown() } }
        let client = try MidjourneyClient(configuration: MidjourneyConfiguration(baseURL: sim.apiBaseURL),
                                          httpClient: MidjourneyClient.sharedHTTPClient)
        let submitted = try await client.imagine(ImagineRequest(prompt: "a red fox"))
        await sim.runUntilIdle()
        let id = try #require(submitted.taskId)
        let task = try #require(try await client.fetch(id: id))
        let link = try #require(task.imageUrl)

        let dataURL = try await HTTPImageFetcher().dataURL(for: link)
        let bytes = try Self.decodedBytes(dataURL)
        #expect(Array(bytes.prefix(8)) == ImageTestServer.pngSignature)

        await sim.controls.expireImageLinksNow()
        await #expect(throws: ImageFetchError.httpStatus(403)) { try await HTTPImageFetcher().dataURL(for: link) }
    }

    @Test func refusesWhatIsNotAnImage() async throws {
        let server = try await ImageTestServer.start()
        defer { Task { await server.shutdown() } }
        let fetcher = HTTPImageFetcher()
        #expect(try Self.decodedBytes(try await fetcher.dataURL(for: server.url("/small.png"))).count == 108)
        await #expect(throws: ImageFetchError.notAnImage(contentType: "text/html")) {
            try await fetcher.dataURL(for: server.url("/page.html"))
        }
        await #expect(throws: ImageFetchError.notAnImage(contentType: "")) {
            try await fetcher.dataURL(for: server.url("/untyped"))
        }
        await #expect(throws: ImageFetchError.httpStatus(404)) { try await fetcher.dataURL(for: server.url("/gone.png")) }
    }

    @Test func onlyHTTPAndHTTPSLinks() async throws {
        for url in ["file:///etc/passwd", "ftp://example.com/a.png", "javascript:alert(1)", "not a url", "http://"] {
            await #expect(throws: ImageFetchError.unsupportedScheme(url)) { try await HTTPImageFetcher().dataURL(for: url) }
        }
    }

    @Test func theSizeCapHoldsWhileStreaming() async throws {
        let server = try await ImageTestServer.start()
        defer { Task { await server.shutdown() } }
        let fetcher = HTTPImageFetcher(policy: ImageFetchPolicy(maxBytes: 1_000_000, timeout: .seconds(15)))
        // An endless body without Content-Length: a fetcher that read first and measured
        // afterwards would never finish and report a timeout instead.
        await #expect(throws: ImageFetchError.tooLarge(limit: 1_000_000)) {
            try await fetcher.dataURL(for: server.url("/endless.png"))
        }
        // An announced length over the cap is refused before reading the body.
        await #expect(throws: ImageFetchError.tooLarge(limit: 1_000_000)) {
            try await fetcher.dataURL(for: server.url("/declared-huge.png"))
        }
        #expect(ImageFetchError.tooLarge(limit: 1_000_000).description == "the image is larger than 1 MB")
    }

    @Test func theTimeoutCoversHeadersAndBody() async throws {
        let server = try await ImageTestServer.start()
        defer { Task { await server.shutdown() } }
        let fetcher = HTTPImageFetcher(policy: ImageFetchPolicy(timeout: .milliseconds(300)))
        await #expect(throws: ImageFetchError.timedOut) { try await fetcher.dataURL(for: server.url("/silent.png")) }
        await #expect(throws: ImageFetchError.timedOut) { try await fetcher.dataURL(for: server.url("/trickle.png")) }
    }

    @Test func anUnreachableHostIsSaidPlainly() async throws {
        // Port 1 (tcpmux) is closed on any machine that runs these tests.
        let url = "http://127.0.0.1:1/small.png"
        do {
            _ = try await HTTPImageFetcher().dataURL(for: url)
            Issue.record("downloaded from a stopped server")
        } catch {
            guard case .unreachable(let reason) = error else {
                Issue.record("expected unreachable, got \(error)")
                return
            }
            #expect(!reason.contains("\n"))
        }
    }
}
