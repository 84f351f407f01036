import Foundation
import HTTPTypes
import Hummingbird
import ImageHosting
import Logging
import NIOCore
import Store

/// `GET` and `HEAD /i/<name>`: the bot's hosted result images.
///
/// The name is parsed with `ImageName`'s strict grammar before anything is looked up, exactly
/// as it came on the request line (no percent-decoding, no path normalisation): anything else
/// is 404, so no request can name a file (blobs are found by the digest in the catalog row,
/// never by a path built from the request). Removed images answer 410 with one line saying
/// why. Names never change their bytes, so answers are cacheable forever.
public struct ImageRoutes: HTTPRouteGroup {
    let store: any BotStore
    let blobs: any BlobStore
    let served: ServedImageLog
    let now: @Sendable () -> Date
    let logger: Logger

    public init(store: any BotStore, blobs: any BlobStore, served: ServedImageLog, now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger) {
        self.store = store
        self.blobs = blobs
        self.served = served
        self.now = now
        self.logger = logger
    }

    public func add(to router: Router<BasicRequestContext>) {
        let routes = self
        router.get("i/:name") { request, context -> Response in
            await routes.respond(name: context.parameters.get("name"), request: request, includeBody: true)
        }
        router.head("i/:name") { request, context -> Response in
            await routes.respond(name: context.parameters.get("name"), request: request, includeBody: false)
        }
    }

    static let cacheForever = "public, max-age=31536000, immutable"

    func respond(name text: String?, request: Request, includeBody: Bool) async -> Response {
        guard let text, let name = ImageName(parsing: text) else { return Self.text(.notFound, "not found") }
        let record: HostedImageRecord?
        do {
            record = try await store.hostedImage(named: name.description)
        } catch {
            logger.warning("image catalog unreadable", metadata: ["error": "\(error)"])
            return Self.text(.serviceUnavailable, "try again later")
        }
        guard let record else { return Self.text(.notFound, "not found") }
        if record.isRemoved {
            let why = record.removedReason == "size" ? "to keep the bot's image store within its size limit" : "after the bot's retention period"
            return Self.text(.gone, "This image was removed \(why); it is no longer available.")
        }
        guard let digest = BlobDigest(hex: record.digest) else { return Self.text(.notFound, "not found") }

        var headers = HTTPFields()
        headers[.contentType] = record.contentType
        headers[.eTag] = "\"\(digest.hex)\""
        headers[.lastModified] = Self.httpDate(record.createdAt)
        headers[.cacheControl] = Self.cacheForever
        headers[.acceptRanges] = "bytes"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"

        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: {
            let tag = $0.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == "\"\(digest.hex)\"" || tag == "W/\"\(digest.hex)\""
        }) {
            await served.served(record.name, at: now())
            return Response(status: .notModified, headers: headers)
        }

        let size = record.bytes
        let range = ByteRangeRequest(header: request.headers[.range], size: size)
        if case .unsatisfiable = range {
            headers[.contentRange] = "bytes */\(size)"
            headers[.contentLength] = "0"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        }
        var status = HTTPResponse.Status.ok
        var slice = 0..<size
        if case .partial(let wanted) = range {
            status = .partialContent
            slice = wanted
            headers[.contentRange] = "bytes \(wanted.lowerBound)-\(wanted.upperBound - 1)/\(size)"
        }
        guard includeBody else {
            // No bytes read: the catalog knows the size; the store only says the file is there
            // (so HEAD and GET agree when it is not).
            guard (try? await blobs.info(digest)) != nil else { return Self.text(.gone, "This image is no longer available.") }
            headers[.contentLength] = "\(slice.count)"
            await served.served(record.name, at: now())
            return Response(status: status, headers: headers)
        }
        let bytes: [UInt8]?
        do {
            bytes = status == .ok ? try await blobs.get(digest) : try await blobs.get(digest, range: slice)
        } catch {
            logger.error("hosted image unreadable", metadata: ["name": "\(record.name)", "error": "\(error)"])
            return Self.text(.internalServerError, "the image could not be read")
        }
        guard let bytes, bytes.count == slice.count else {
            // The row outlived its blob (deleted by hand, a lost disk): say gone rather than lie.
            logger.error("hosted image missing from the blob store", metadata: ["name": "\(record.name)", "digest": "\(digest)"])
            return Self.text(.gone, "This image is no longer available.")
        }
        await served.served(record.name, at: now())
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func text(_ status: HTTPResponse.Status, _ line: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: line + "\n")))
    }

    /// IMF-fixdate (RFC 9110), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`; built by hand (no
    /// DateFormatter per request, no locale involved).
    static func httpDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "GMT")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) GMT"
    }
}
