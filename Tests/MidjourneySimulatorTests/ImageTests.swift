import Foundation
import MidjourneySimulator
import Testing

/// An independent PNG reader: bitwise CRC-32 (not the simulator's table), stored-block inflate.
struct PNGCheck {
    var width = 0, height = 0, colourType = 0
    var pixels: [UInt8] = []  // RGB rows without filter bytes

    static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) == 1 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return ~c
    }

    enum Failure: Error { case bad(String) }

    init(_ png: [UInt8]) throws {
        func be32(_ i: Int) -> UInt32 { png[i..<(i + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
        guard png.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { throw Failure.bad("signature") }
        var i = 8
        var idat: [UInt8] = []
        var sawEnd = false
        while i + 12 <= png.count {
            let length = Int(be32(i))
            let type = String(decoding: png[(i + 4)..<(i + 8)], as: UTF8.self)
            let data = Array(png[(i + 8)..<(i + 8 + length)])
            guard be32(i + 8 + length) == Self.crc32(png[(i + 4)..<(i + 8 + length)]) else { throw Failure.bad("crc \(type)") }
            switch type {
            case "IHDR":
                width = Int(data[0..<4].reduce(0) { $0 << 8 | UInt32($1) })
                height = Int(data[4..<8].reduce(0) { $0 << 8 | UInt32($1) })
                guard data[8] == 8 else { throw Failure.bad("depth") }
                colourType = Int(data[9])
            case "IDAT": idat += data
            case "IEND": sawEnd = true
            default: break
            }
            i += 12 + length
        }
        guard sawEnd, i == png.count else { throw Failure.bad("IEND") }
        guard idat.count >= 6, (UInt16(idat[0]) << 8 | UInt16(idat[1])) % 31 == 0, idat[0] & 0x0F == 8 else { throw Failure.bad("zlib header") }
        var p = 2
        var raw: [UInt8] = []
        while true {
            let header = idat[p]
            guard header & 0b110 == 0 else { throw Failure.bad("only stored blocks expected") }
            let len = Int(idat[p + 1]) | Int(idat[p + 2]) << 8
            let nlen = Int(idat[p + 3]) | Int(idat[p + 4]) << 8
            guard len ^ 0xFFFF == nlen else { throw Failure.bad("LEN/NLEN") }
            raw += idat[(p + 5)..<(p + 5 + len)]
            p += 5 + len
            if header & 1 == 1 { break }
        }
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in raw { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        let trailer = idat[p..<(p + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard trailer == (b << 16 | a), p + 4 == idat.count else { throw Failure.bad("adler32") }
        let stride = width * 3 + 1
        guard colourType == 2, raw.count == stride * height else { throw Failure.bad("size") }
        for row in 0..<height {
            guard raw[row * stride] == 0 else { throw Failure.bad("filter") }
            pixels += raw[(row * stride + 1)..<((row + 1) * stride)]
        }
    }

    func pixel(_ x: Int, _ y: Int) -> [UInt8] {
        let i = (y * width + x) * 3
        return Array(pixels[i..<(i + 3)])
    }
}

@Suite(.timeLimit(.minutes(2))) struct ImageTests {
    @Test func gridIsARealPNGWithFourDistinctQuadrants() async throws {
        try await withSimulator(.trueai, configure: { $0.imageSide = 300 }) { h in  // > 64 KiB of pixels: several stored blocks
            let grid = try await h.finishedImagine()
            let r = try await h.request("GET", try #require(grid["imageUrl"] as? String))
            #expect(r.status == 200)
            #expect(r.contentType == "image/png")
            let png = try PNGCheck(r.body)
            #expect(png.width == 300 && png.height == 300)
            let quadrants = [png.pixel(60, 60), png.pixel(240, 60), png.pixel(60, 240), png.pixel(240, 240)]
            #expect(Set(quadrants.map { $0.map(String.init).joined(separator: ",") }).count == 4)

            let other = try await h.finishedImagine("something else")
            let r2 = try await h.request("GET", try #require(other["imageUrl"] as? String))
            #expect(try PNGCheck(r2.body).pixel(60, 60) != quadrants[0])

            // U3 shows the third quadrant's colour.
            let upId = try #require(try await h.press(grid, label: "U3").result)
            await h.server.runUntilIdle()
            let up = try await h.request("GET", try #require(try await h.fetch(upId)["imageUrl"] as? String))
            #expect(try PNGCheck(up.body).pixel(290, 10) == quadrants[2])
        }
    }

    @Test func linksExpireOnRequestAndWithTime() async throws {
        try await withSimulator(.trueai, configure: { $0.imageLinkLifetime = .seconds(60) }) { h in
            let grid = try await h.finishedImagine()
            let url = try #require(grid["imageUrl"] as? String)
            #expect(try await h.request("GET", url).status == 200)

            let tampered = url.replacingOccurrences(of: "hm=", with: "hm=0")
            let bad = try await h.request("GET", tampered)
            #expect(bad.status == 403)
            #expect(bad.text == "This content is no longer available.")
            let unsigned = try await h.request("GET", String(url.prefix { $0 != "?" }))
            #expect(unsigned.status == 403)

            await h.server.advance(by: .seconds(61))
            let expired = try await h.request("GET", url)
            #expect(expired.status == 403)
            #expect(expired.text == "This content is no longer available.")

            let fresh = try await h.finishedImagine("fresh")
            let freshURL = try #require(fresh["imageUrl"] as? String)
            #expect(try await h.request("GET", freshURL).status == 200)
            await h.server.controls.expireImageLinksNow()
            #expect(try await h.request("GET", freshURL).status == 403)
            // The proxy keeps handing out the dead link, as real ones do.
            #expect(try await h.fetch(try #require(fresh["id"] as? String))["imageUrl"] as? String == freshURL)
        }
    }

    @Test func publicBaseURLIsUsedForLinks() async throws {
        try await withSimulator(.trueai, configure: { $0.publicBaseURL = "https://cdn.example.test/" }) { h in
            let grid = try await h.finishedImagine()
            #expect((grid["imageUrl"] as? String)?.hasPrefix("https://cdn.example.test/attachments/") == true)
        }
    }
}
