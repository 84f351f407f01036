import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The real `mjbridge` executable for one test, started again after each kill from the same
/// config. Whatever is still running when the test ends — also when it fails — is killed by
/// `killIfRunning()` (call it in a `defer`); a pid already reaped is never signalled.
final class BotProcess: Sendable {
    let configPath: String
    let logPath: String
    private let child = Mutex<ChildProcess?>(nil)

    init(configPath: String, logPath: String) {
        self.configPath = configPath
        self.logPath = logPath
    }

    func start() throws {
        guard child.withLock({ $0 == nil }) else { throw ChildProcessError("start() while the bot still runs") }
        let process = try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", configPath], logPath: logPath)
        child.withLock { $0 = process }
    }

    /// SIGKILL, and waits until it is gone; returns its status (128 + 9 when the signal ended it).
    @discardableResult
    func kill() async -> Int32 {
        await end(SIGKILL)
    }

    /// SIGTERM (a clean stop), and waits until it is gone.
    @discardableResult
    func terminate() async -> Int32 {
        await end(SIGTERM)
    }

    private func end(_ signal: Int32) async -> Int32 {
        guard let process = child.withLock({ current -> ChildProcess? in
            defer { current = nil }
            return current
        }) else { return -1 }
        process.signal(signal)
        return await process.wait()
    }

    /// For a `defer`: SIGKILL whatever still runs, reaped on a thread of its own.
    func killIfRunning() {
        guard let process = child.withLock({ current -> ChildProcess? in
            defer { current = nil }
            return current
        }) else { return }
        process.signal(SIGKILL)
        Task { _ = await process.wait() }
    }

    /// The end of the log of every run so far (for failure messages).
    var logTail: String {
        String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(12000))
    }
}
