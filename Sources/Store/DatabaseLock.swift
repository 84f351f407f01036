import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One bot process per database: an advisory `flock(2)` on `<database>.lock`, held for the
/// life of the value (in practice, of the process).
///
/// Semantics worth knowing:
/// - The kernel releases the lock when the descriptor is closed, which includes the process
///   dying by any signal (SIGKILL too): a crashed bot never blocks the next start, and no stale
///   pid file needs cleaning up.
/// - flock belongs to the open file description, not to the process: two `acquire` calls in
///   one process open the file twice and conflict exactly like two processes do (so a second
///   runtime in the same process cannot share a database by accident either).
/// - The lock file is created 0600 and never deleted (deleting it would let a third process
///   lock a new inode while the first still holds the old one). After locking, the holder
///   writes its pid into it, so the refusal can name who holds it.
/// - It is advisory: it keeps out other `mjbridge run`s, not a human with `sqlite3`.
public final class DatabaseLock: Sendable {
    /// The locked file, `<database>.lock`.
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        // Closing the only descriptor of this open file description releases the flock.
        close(descriptor)
    }

    /// The lock file that guards the database at `databasePath`.
    public static func lockPath(forDatabaseAt databasePath: String) -> String {
        databasePath + ".lock"
    }

    /// Takes the lock for the database at `databasePath` without waiting.
    /// - Throws: `DatabaseLockError.heldByAnother` when another holder has it (with the pid
    ///   written in the file, when readable), `.cannotOpen` when the file cannot be created.
    public static func acquire(forDatabaseAt databasePath: String,
                               pid: Int32 = getpid()) throws -> DatabaseLock {
        let path = lockPath(forDatabaseAt: databasePath)
        #if canImport(Glibc)
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #else
        let descriptor = Darwin.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #endif
        guard descriptor >= 0 else {
            throw DatabaseLockError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        var result: Int32
        repeat { result = flock(descriptor, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        if result != 0 {
            let code = errno
            let holder = readPid(descriptor)
            close(descriptor)
            if code == EWOULDBLOCK {
                throw DatabaseLockError.heldByAnother(path: path, pid: holder)
            }
            throw DatabaseLockError.cannotOpen(path: path, reason: String(cString: strerror(code)))
        }
        // Ours now: replace whatever pid a previous holder left.
        let text = Array("\(pid)\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return DatabaseLock(path: path, descriptor: descriptor)
    }

    /// The pid a holder wrote into the file; nil when empty or not a number (the holder may be
    /// between locking and writing).
    private static func readPid(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }
}

/// Why the database lock could not be taken; names the file so an operator can act on it.
public enum DatabaseLockError: Error, CustomStringConvertible, Sendable, Equatable {
    case heldByAnother(path: String, pid: Int32?)
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case .heldByAnother(let path, let pid):
            let who = pid.map { "process \($0)" } ?? "another process"
            return "the database is in use by \(who) (lock file \(path)): only one mjbridge may run on a database; stop it first"
        case .cannotOpen(let path, let reason):
            return "cannot open the lock file \(path): \(reason)"
        }
    }
}
