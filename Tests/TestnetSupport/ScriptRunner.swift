import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a shell script to completion and returns its combined output.
///
/// Not Foundation's `Process`: on Linux its `waitUntilExit` never returned for our scripts
/// when called from a Swift Testing task (the child stayed a zombie, the test hung). Here the
/// child is spawned with `posix_spawn`, its output goes to a file (daemons it starts cannot
/// keep a pipe open), and `waitpid` runs on a thread of its own, off the cooperative pool.
public enum ScriptRunner {
    public static func run(_ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try runBlocking(arguments) })
            }
            thread.start()
        }
    }

    static func runBlocking(_ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("mjbridge-script-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of ours: the test process holds hundreds of sockets (listeners, probes
        // of free ports, connections), and a daemon the child starts (InspIRCd, a bot) would keep
        // them open for its whole life. Seen: a port a test had probed and closed stayed bound
        // by an InspIRCd started meanwhile, and the bot meant to listen there could not.
        ScriptRunner.closeInheritedDescriptors(&actions)

        let argv = (["/bin/bash"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw TestnetError("could not start \(arguments.joined(separator: " ")): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS, spelled out (the C macros are not imported).
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            throw TestnetError("\(arguments.joined(separator: " ")) failed (status \(status)):\n\(text)")
        }
        return text
    }

    /// Adds "close every descriptor from 3 up" to a spawn's file actions (glibc ≥ 2.34's
    /// `posix_spawn_file_actions_addclosefrom_np`, looked up at run time because Swift's Glibc
    /// module does not import it). Without it a child inherits every socket of the test process.
    public static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return
        }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }
}
