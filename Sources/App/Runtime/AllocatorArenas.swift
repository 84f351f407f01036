#if canImport(Glibc)
import Glibc

/// glibc's `mallopt`, which the Glibc module does not import (it lives in malloc.h).
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// How many malloc arenas the process may use. glibc gives threads their own arenas (up to
/// eight per core) and keeps what is freed in each for that arena's reuse; the bot's work hops
/// between the cooperative pool, NIO's event loops and GRDB's queues, so freed memory piles up
/// in every arena. Measured (mjbridge-bench tracking, 10,000 pending tasks): RSS grew cycle by
/// cycle to 110+ MB with the default and stayed flat at about half that with two arenas, for
/// the same CPU time. Called first thing by `mjbridge run`.
public enum AllocatorArenas {
    /// glibc's `M_ARENA_MAX`.
    static let arenaMaxParameter: Int32 = -8

    /// Caps the arenas at `count`; true when the allocator took it (always false off glibc).
    @discardableResult
    public static func limit(to count: Int32 = 2) -> Bool {
        #if canImport(Glibc)
        return mallopt(arenaMaxParameter, count) == 1
        #else
        return false
        #endif
    }
}
