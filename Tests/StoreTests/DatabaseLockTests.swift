import Foundation
import Testing
@testable import Store

@Suite struct DatabaseLockTests {
    /// flock belongs to the open file description: a second acquisition in the same process
    /// opens the file again and is refused exactly like another process would be.
    @Test func secondAcquisitionInTheSameProcessIsRefusedWithThePid() throws {
        let dir = try TemporaryDirectory()
        let first = try DatabaseLock.acquire(forDatabaseAt: dir.databasePath, pid: 4242)
        #expect(first.path == dir.databasePath + ".lock")
        #expect(throws: DatabaseLockError.heldByAnother(path: dir.databasePath + ".lock", pid: 4242)) {
            _ = try DatabaseLock.acquire(forDatabaseAt: dir.databasePath)
        }
        let text = try String(contentsOfFile: first.path, encoding: .utf8)
        #expect(text == "4242\n")
        let message = "\(DatabaseLockError.heldByAnother(path: first.path, pid: 4242))"
        #expect(message.contains(first.path) && message.contains("process 4242"), "\(message)")
        withExtendedLifetime(first) {}
    }

    @Test func releasedWhenTheHolderGoesAndTheNewHolderWritesItsPid() throws {
        let dir = try TemporaryDirectory()
        do {
            let first = try DatabaseLock.acquire(forDatabaseAt: dir.databasePath, pid: 123456)
            withExtendedLifetime(first) {}
        }
        let second = try DatabaseLock.acquire(forDatabaseAt: dir.databasePath, pid: 77)
        // The longer pid of the earlier holder is gone, not overwritten in part.
        #expect(try String(contentsOfFile: second.path, encoding: .utf8) == "77\n")
        withExtendedLifetime(second) {}
    }

    @Test func lockFileIsPrivateAndOtherDatabasesAreIndependent() throws {
        let dir = try TemporaryDirectory()
        let lock = try DatabaseLock.acquire(forDatabaseAt: dir.databasePath)
        let other = try DatabaseLock.acquire(forDatabaseAt: dir.url.appendingPathComponent("other.sqlite").path)
        let mode = try FileManager.default.attributesOfItem(atPath: lock.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        withExtendedLifetime((lock, other)) {}
    }

    @Test func unopenableLockFileSaysWhichFile() throws {
        let path = "/nonexistent-\(UUID().uuidString)/db.sqlite"
        do {
            _ = try DatabaseLock.acquire(forDatabaseAt: path)
            Issue.record("a lock in a missing directory was taken")
        } catch let error as DatabaseLockError {
            guard case .cannotOpen(let lockPath, _) = error else { Issue.record("\(error)"); return }
            #expect(lockPath == path + ".lock")
        }
    }
}
