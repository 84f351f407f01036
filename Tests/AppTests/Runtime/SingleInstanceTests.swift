import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two real `mjbridge run` processes on one database: the second is refused at once, the first
/// keeps running, and after the first is SIGKILLed a new one starts (the kernel dropped the
/// lock). Needs no IRC network: the bot's network points at a closed loopback port, which it
/// keeps retrying, so it stays up.
@Suite(.serialized) struct SingleInstanceTests {
    static func config(in directory: URL) throws -> String {
        let text = """
            [bot]
            database = "bot.sqlite"

            [proxy]
            base_url = "http://127.0.0.1:9/mj"
            poll_interval_seconds = 60

            [http]
            listen = ""

            [[networks]]
            name = "nowhere"
            host = "127.0.0.1"
            port = 9
            tls = false
            nick = "lockbot"
            sasl_mechanism = "none"

            [[networks.channels]]
            name = "#lock"
            """
        let path = directory.appendingPathComponent("bot.conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The exit code, or nil if the process is still running after `seconds`.
    static func exitCode(of child: ChildProcess, within seconds: Double) async -> Int32? {
        await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await child.wait() }
            group.addTask { try? await Task.sleep(for: .seconds(seconds)); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Waits until the lock file names `pid` (the holder writes it right after locking).
    static func waitForHolder(_ pid: pid_t, lockPath: String, seconds: Double = 60) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            if (try? String(contentsOfFile: lockPath, encoding: .utf8)) == "\(pid)\n" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ChildProcessError("process \(pid) never took \(lockPath)")
    }

    /// Waits until `child`'s log has `text` (a line logged once its services run, so a
    /// SIGTERM from then on is a graceful shutdown, not the default action).
    static func waitForLog(_ child: ChildProcess, _ text: String, seconds: Double = 60) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            if child.log.contains(text) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ChildProcessError("no '\(text)' in the log of \(child.pid):\n\(child.log)")
    }

    static func isRunning(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    @Test func secondRunOnTheSameDatabaseExitsAtOnceAndAKilledHolderNeverBlocks() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-lock-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try Self.config(in: directory)
        let lockPath = directory.appendingPathComponent("bot.sqlite.lock").standardizedFileURL.path
        let executable = ChildProcess.mjbridgeExecutable
        var children: [ChildProcess] = []
        defer { for child in children { child.signal(SIGKILL) } }

        let first = try ChildProcess(executable, ["run", "-c", config], logPath: directory.appendingPathComponent("first.log").path)
        children.append(first)
        try await Self.waitForHolder(first.pid, lockPath: lockPath)

        let second = try ChildProcess(executable, ["run", "-c", config], logPath: directory.appendingPathComponent("second.log").path)
        children.append(second)
        let code = await Self.exitCode(of: second, within: 60)
        #expect(code == 1, "the second bot exits non-zero at once\n\(second.log)")
        #expect(second.log.contains(lockPath) && second.log.contains("process \(first.pid)"),
                "the refusal names the lock file and the holder: \(second.log)")
        #expect(Self.isRunning(first.pid), "the first bot keeps running\n\(first.log.suffix(2000))")

        // check-config never takes the lock: it works beside a running bot.
        let check = try ChildProcess(executable, ["check-config", config], logPath: directory.appendingPathComponent("check.log").path)
        children.append(check)
        #expect(await Self.exitCode(of: check, within: 60) == 0, "\(check.log)")

        first.signal(SIGKILL)
        #expect(await Self.exitCode(of: first, within: 60) == 128 + SIGKILL)
        let third = try ChildProcess(executable, ["run", "-c", config], logPath: directory.appendingPathComponent("third.log").path)
        children.append(third)
        try await Self.waitForHolder(third.pid, lockPath: lockPath)
        #expect(Self.isRunning(third.pid), "\(third.log.suffix(2000))")
        try await Self.waitForLog(third, "SIGHUP re-reads the config")
        third.signal(SIGTERM)
        #expect(await Self.exitCode(of: third, within: 60) == 0, "clean exit on SIGTERM\n\(third.log.suffix(2000))")
    }
}
