import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The release `mjbridge run` as a child process, its log read on a thread of its own: the
/// moment a line containing `marker` appears (the bot logs "registered as NICK" when the
/// server's 001 arrives) is taken on the same clock as the moment before the fork/exec.
final class BotProcess: Sendable {
    let process: Process
    /// Just before `Process.run()` (posix_spawn).
    let started: ContinuousClock.Instant
    private let state = Mutex(State())

    private struct State {
        var marks: [String: ContinuousClock.Instant] = [:]
        var tail: [String] = []
        /// The first lines with the time from the start at which they were read.
        var timeline: [(Duration, String)] = []
        var ended = false
    }

    /// Starts `executable arguments`, watching its output (stdout and stderr together) for the lines of `markers`.
    init(executable: String, arguments: [String], markers: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        self.process = process
        let reading = pipe.fileHandleForReading
        started = ContinuousClock.now
        try process.run()
        let thread = Thread { [self] in read(reading, markers: markers) }
        thread.start()
    }

    private func read(_ reading: FileHandle, markers: [String]) {
            var buffer = Data()
            while true {
                let chunk = reading.availableData
                if chunk.isEmpty { break }
                let now = ContinuousClock.now
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 10) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    state.withLock { state in
                        for marker in markers where state.marks[marker] == nil && line.contains(marker) { state.marks[marker] = now }
                        state.tail.append(line)
                        if state.timeline.count < 80 { state.timeline.append((now - started, line)) }
                        if state.tail.count > 40 { state.tail.removeFirst() }
                    }
                }
            }
            state.withLock { $0.ended = true }
    }

    var pid: Int32 { process.processIdentifier }

    /// Waits until a line with `marker` was seen, and returns the time from the start to it.
    func waitFor(_ marker: String, timeout: Duration) async throws -> Duration {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (mark, ended, tail) = state.withLock { ($0.marks[marker], $0.ended, $0.tail) }
            if let mark { return mark - started }
            if ended || ContinuousClock.now >= deadline {
                throw BenchError("mjbridge \(ended ? "ended" : "timed out") before logging \"\(marker)\"; its last lines:\n"
                                 + tail.joined(separator: "\n"))
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// SIGTERM, then waits for the exit (SIGKILL after `grace`).
    func stop(grace: Duration = .seconds(20)) async {
        kill(pid, SIGTERM)
        let killer = Task {
            try await Task.sleep(for: grace)
            kill(pid, SIGKILL)
        }
        _ = await ChildRun.waitForExit(process)
        killer.cancel()
    }

    var lastLines: [String] { state.withLock { $0.tail } }

    /// The first lines, each with the milliseconds from the start to its reading.
    var timeline: [String] {
        state.withLock { state in
            state.timeline.map { offset, line in
                let ms = Double(offset.components.seconds) * 1000 + Double(offset.components.attoseconds) / 1e15
                return String(format: "%8.1f ms  ", ms) + line
            }
        }
    }
}
