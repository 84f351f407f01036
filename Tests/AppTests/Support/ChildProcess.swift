import Foundation
import TestnetSupport
#if canImport(Glibc)
import Glibc
#endif

/// A child process the test can kill (SIGKILL for crash tests, SIGTERM for clean stops).
/// posix_spawn, not Foundation's Process, whose `waitUntilExit` hung under Swift Testing here.
final class ChildProcess: Sendable {
    let pid: pid_t
    let logPath: String

    init(_ executable: String, _ arguments: [String], logPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of ours: the test process holds hundreds of sockets (listeners, probes
        // of free ports, connections), and a daemon the child starts (InspIRCd, a bot) would keep
        // them open for its whole life. Seen: a port a test had probed and closed stayed bound
        // by an InspIRCd started meanwhile, and the bot meant to listen there could not.
        ScriptRunner.closeInheritedDescriptors(&actions)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard result == 0 else { throw ChildProcessError("could not start \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
        self.logPath = logPath
    }

    func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the process to end (on a thread of its own) and returns its exit code, or
    /// 128 + the signal number when a signal ended it.
    func wait() async -> Int32 {
        let pid = self.pid
        return await withCheckedContinuation { continuation in
            Thread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                let signal = status & 0x7f
                continuation.resume(returning: signal == 0 ? (status >> 8) & 0xff : 128 + signal)
            }.start()
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The `mjbridge` executable next to the test bundle in the build directory.
    static var mjbridgeExecutable: String {
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("mjbridge").path
    }
}

struct ChildProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
