import Foundation

/// A directory under the system temp dir, removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("bridgetests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    var databasePath: String { url.appendingPathComponent("mjbridge.sqlite").path }
    deinit { try? FileManager.default.removeItem(at: url) }
}
