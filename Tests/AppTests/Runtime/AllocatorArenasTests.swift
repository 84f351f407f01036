import App
import Testing

@Suite struct AllocatorArenasTests {
    /// `mjbridge run` caps glibc's arenas first thing; the allocator must accept the setting
    /// (mallopt answers 1), else the cap silently does nothing. Eight is glibc's own per-core
    /// figure, so this test process is not starved of arenas.
    @Test func glibcAcceptsTheArenaCap() {
        #if canImport(Glibc)
        #expect(AllocatorArenas.limit(to: 8))
        #else
        #expect(!AllocatorArenas.limit(to: 8))
        #endif
    }
}
