import Foundation
import Testing

/// The bridge reaches the database only through `BotStore`, so another implementation (a shared
/// PostgreSQL for several processes) can replace SQLite without the bridge changing.
@Suite("The bridge depends on the store interface only")
struct StoreInterfaceTests {
    @Test("no file of the Bridge module names the SQLite implementation or GRDB")
    func bridgeNamesNoImplementation() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sources = root.appendingPathComponent("Sources/Bridge")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 20, "the Bridge sources were not found at \(sources.path)")
        var offenders: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            if text.contains("SQLiteStore") || text.contains("import GRDB") { offenders.append(file.lastPathComponent) }
        }
        #expect(offenders.isEmpty, "these Bridge files name the SQLite store: \(offenders)")
    }
}
