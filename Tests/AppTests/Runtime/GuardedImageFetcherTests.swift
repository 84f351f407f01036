import Bridge
import Logging
import Synchronization
import Testing
@testable import App

/// What the user hears about a refused image link is coarse; the cause goes to the log.
@Suite struct GuardedImageFetcherTests {
    final class Recorder: Sendable {
        let lines = Mutex<[String]>([])
    }

    struct RecordingHandler: LogHandler {
        let recorder: Recorder
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            let fields = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            recorder.lines.withLock { $0.append("\(level) \(message) \(fields)") }
        }
    }

    @Test func theUserGetsTheClassTheLogGetsTheAddress() async throws {
        let recorder = Recorder()
        let logger = Logger(label: "test.images") { _ in RecordingHandler(recorder: recorder) }
        let fetcher = try GuardedImageFetcher(settings: ImageSettings(), logger: logger)
        await #expect(throws: ImageFetchError.privateAddress) { try await fetcher.dataURL(for: "http://169.254.169.254/latest/meta-data/") }
        await #expect(throws: ImageFetchError.unsupportedLink) { try await fetcher.dataURL(for: "gopher://example.com/") }
        #expect(ImageFetchError.privateAddress.description == "that link can't be used: it points to a private address")
        #expect(ImageFetchError.unavailable.description == "couldn't download an image from that link")
        let lines = recorder.lines.withLock { $0 }
        #expect(lines.count == 2)
        #expect(lines.first?.contains("169.254.169.254, a linkLocal address") == true, "\(lines)")
        #expect(lines.last?.contains("scheme 'gopher' is not http or https") == true, "\(lines)")
    }
}
