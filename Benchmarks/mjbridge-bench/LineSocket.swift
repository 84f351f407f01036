import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection read line by line on a thread of its own (blocking reads never sit on
/// the cooperative pool), with the moment each read returned: the benchmarks time "bytes
/// arrived at this socket" from it. Writes may come from any thread.
final class LineSocket: Sendable {
    private let fd: Int32
    private let writeLock = Mutex(())

    init(fd: Int32) {
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Connects to `host:port` (IPv4).
    static func connect(host: String, port: Int) throws -> LineSocket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchSocketError.failed("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw BenchSocketError.failed("connect to \(host):\(port)")
        }
        return LineSocket(fd: fd)
    }

    func send(_ line: String) {
        let bytes = Array((line + "\r\n").utf8)
        writeLock.withLock { _ in
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return }
                sent += n
            }
        }
    }

    /// Reads until the peer closes, calling `line(text, arrivedAt)` for every complete line
    /// (CR LF or LF stripped), on a new thread; `closed()` at the end.
    func startReading(line: @escaping @Sendable (String, ContinuousClock.Instant) -> Void, closed: @escaping @Sendable () -> Void = {}) {
        let fd = self.fd
        let thread = Thread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                let now = ContinuousClock.now
                if n <= 0 { break }
                pending.append(contentsOf: buffer[0..<n])
                var start = 0
                while let newline = pending[start...].firstIndex(of: 10) {
                    var end = newline
                    if end > start, pending[end - 1] == 13 { end -= 1 }
                    line(String(decoding: pending[start..<end], as: UTF8.self), now)
                    start = newline + 1
                }
                pending.removeFirst(start)
            }
            closed()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    func shutdown() {
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }
}

/// A listening socket on 127.0.0.1 that hands each accepted connection to `accepted`, on a
/// thread of its own.
final class LineListener: Sendable {
    let port: Int
    private let fd: Int32

    init(accepted: @escaping @Sendable (LineSocket) -> Void) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchSocketError.failed("socket") }
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw BenchSocketError.failed("bind/listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { break }
                accepted(LineSocket(fd: client))
            }
        }
        thread.start()
    }

    func stop() {
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}

enum BenchSocketError: Error, CustomStringConvertible {
    case failed(String)
    var description: String {
        switch self {
        case .failed(let what): "socket: \(what) failed (errno \(errno))"
        }
    }
}

/// A value behind a lock that closures can share (a `Mutex` itself cannot be captured).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }
}
