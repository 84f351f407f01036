import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a process costs the machine, read the way an operator would read it: resident memory
/// from `/proc/<pid>/status` (VmRSS now, VmHWM the peak) and CPU seconds of the whole process
/// (every thread: the event loops, the cooperative pool, SQLite's), not of one thread.
enum ProcessFootprint {
    /// Resident set size of `pid` (nil: this process) in bytes, or nil when /proc cannot say.
    static func residentBytes(pid: Int32? = nil) -> Int? { statusField("VmRSS", pid: pid) }

    /// The peak resident set size so far.
    static func peakResidentBytes(pid: Int32? = nil) -> Int? { statusField("VmHWM", pid: pid) }

    /// CPU seconds (user + system) of this whole process so far.
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Parses a `kB` line of /proc/<pid>/status.
    static func statusField(_ name: String, pid: Int32?) -> Int? {
        let path = "/proc/\(pid.map(String.init) ?? "self")/status"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return statusField(name, in: text)
    }

    static func statusField(_ name: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let fields = line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let number = fields.first.flatMap({ Int($0) }) else { return nil }
            return fields.dropFirst().first == "kB" ? number * 1024 : number
        }
        return nil
    }

    static func megabytes(_ bytes: Int?) -> String {
        guard let bytes else { return "?" }
        return format(Double(bytes) / 1_048_576, digits: 1) + " MB"
    }
}

/// Runs a child process and waits for it without blocking a cooperative-pool thread (there are
/// two on this machine).
enum ChildRun {
    /// The path of this executable, to start it again as a worker.
    static var selfExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Starts `executable` with `arguments`, waits, and returns its exit status.
    /// `quiet`: its output goes to /dev/null.
    static func run(_ executable: String, _ arguments: [String], quiet: Bool = false) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if quiet {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return await waitForExit(process)
    }

    /// Foundation's `waitUntilExit` spins its run loop on Linux (a whole core while the child
    /// runs), and here its monitor sometimes never reaped a child (a script that started
    /// daemons stayed a zombie, `isRunning` true): the child is reaped here, without blocking.
    static func waitForExit(_ process: Process) async -> Int32 {
        let pid = process.processIdentifier
        while true {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                // WIFEXITED / WEXITSTATUS, which Swift does not import (macros).
                return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            // Reaped by Foundation after all: its status is the one to read.
            if reaped == -1 && !process.isRunning { return process.terminationStatus }
            if reaped == -1 && errno == ECHILD { return process.isRunning ? 0 : process.terminationStatus }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
