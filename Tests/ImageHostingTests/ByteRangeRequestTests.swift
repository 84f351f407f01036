import Testing
@testable import ImageHosting

@Suite struct ByteRangeRequestTests {
    @Test func singleRanges() {
        #expect(ByteRangeRequest(header: nil, size: 100) == .whole)
        #expect(ByteRangeRequest(header: "bytes=0-9", size: 100) == .partial(0..<10))
        #expect(ByteRangeRequest(header: "bytes=90-", size: 100) == .partial(90..<100))
        #expect(ByteRangeRequest(header: "bytes=90-500", size: 100) == .partial(90..<100))
        #expect(ByteRangeRequest(header: "bytes=-10", size: 100) == .partial(90..<100))
        #expect(ByteRangeRequest(header: "bytes=-500", size: 100) == .partial(0..<100))
        #expect(ByteRangeRequest(header: " bytes=5-5 ", size: 100) == .partial(5..<6))
    }

    @Test func unsatisfiableAndIgnored() {
        #expect(ByteRangeRequest(header: "bytes=100-", size: 100) == .unsatisfiable)
        #expect(ByteRangeRequest(header: "bytes=500-600", size: 100) == .unsatisfiable)
        #expect(ByteRangeRequest(header: "bytes=-0", size: 100) == .unsatisfiable)
        // Ignored: the whole body.
        for header in ["bytes=0-1,5-6", "items=0-1", "bytes=9-1", "bytes=a-b", "bytes=-", "bytes=1", "bytes=+1-2"] {
            #expect(ByteRangeRequest(header: header, size: 100) == .whole, "\(header)")
        }
    }
}
