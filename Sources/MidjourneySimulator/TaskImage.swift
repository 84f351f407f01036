/// What an image link shows. Generated images are drawn on request from a few colours
/// derived from the task id, so every task gets its own picture without storing pixels.
enum ImageContent: Sendable {
    /// A 2x2 grid: four quadrants in four colours, like Midjourney's grid result.
    case grid([RGB])
    /// One image (an upscale, a face swap): a base colour with a band of the task's own colour.
    case single(base: RGB, accent: RGB)
    /// Bytes a client uploaded (describe, blend, upload-discord-images), served as sent.
    case uploaded(bytes: [UInt8], contentType: String)
}

struct RGB: Sendable, Equatable {
    var r: UInt8, g: UInt8, b: UInt8

    /// Four well separated colours for a task: hues 90° apart, starting where the id's hash says.
    static func palette(for taskId: String) -> [RGB] {
        let h = StableHash.fnv1a(taskId)
        let baseHue = Double(h % 360)
        let saturation = 0.55 + Double((h >> 12) % 40) / 100
        let value = 0.70 + Double((h >> 24) % 30) / 100
        return (0..<4).map { i in hsv(hue: (baseHue + Double(i) * 90).truncatingRemainder(dividingBy: 360),
                                       saturation: saturation, value: value) }
    }

    static func hsv(hue: Double, saturation: Double, value: Double) -> RGB {
        let c = value * saturation
        let x = c * (1 - abs((hue / 60).truncatingRemainder(dividingBy: 2) - 1))
        let m = value - c
        let (r, g, b): (Double, Double, Double)
        switch hue {
        case ..<60: (r, g, b) = (c, x, 0)
        case ..<120: (r, g, b) = (x, c, 0)
        case ..<180: (r, g, b) = (0, c, x)
        case ..<240: (r, g, b) = (0, x, c)
        case ..<300: (r, g, b) = (x, 0, c)
        default: (r, g, b) = (c, 0, x)
        }
        func byte(_ v: Double) -> UInt8 { UInt8(max(0, min(255, ((v + m) * 255).rounded()))) }
        return RGB(r: byte(r), g: byte(g), b: byte(b))
    }
}

enum ImageRenderer {
    /// Returns the body and its content type.
    static func render(_ content: ImageContent, side: Int) -> (bytes: [UInt8], contentType: String) {
        switch content {
        case .uploaded(let bytes, let type):
            return (bytes, type)
        case .grid(let colours):
            return (draw(side: side) { x, y in
                let gutter = max(1, side / 64)
                if abs(x - side / 2) < gutter || abs(y - side / 2) < gutter { return RGB(r: 24, g: 24, b: 24) }
                return colours[(y < side / 2 ? 0 : 2) + (x < side / 2 ? 0 : 1)]
            }, "image/png")
        case .single(let base, let accent):
            return (draw(side: side) { x, y in
                abs(x - y) < side / 8 ? accent : base
            }, "image/png")
        }
    }

    private static func draw(side: Int, pixel: (Int, Int) -> RGB) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: side * side * 3)
        for y in 0..<side {
            for x in 0..<side {
                let p = pixel(x, y)
                let i = (y * side + x) * 3
                rgb[i] = p.r
                rgb[i + 1] = p.g
                rgb[i + 2] = p.b
            }
        }
        return PNGEncoder.encode(width: side, height: side, rgb: rgb)
    }
}
