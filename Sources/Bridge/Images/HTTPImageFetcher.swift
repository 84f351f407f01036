import AsyncHTTPClient
import Foundation
import MidjourneyAPI

/// Downloads the images people name by URL, within `ImageFetchPolicy`: http/https only, an
/// image content type, at most `maxBytes` (checked against Content-Length first and again
/// while the body streams in, since a server can omit or lie about the length), and the
/// whole download — headers and body — within `timeout`.
public struct HTTPImageFetcher: ImageFetcher {
    public let policy: ImageFetchPolicy
    let httpClient: HTTPClient

    /// `httpClient` defaults to the process-wide pool the proxy client uses.
    public init(policy: ImageFetchPolicy = ImageFetchPolicy(), httpClient: HTTPClient = MidjourneyClient.sharedHTTPClient) {
        self.policy = policy
        self.httpClient = httpClient
    }

    public func dataURL(for url: String) async throws(ImageFetchError) -> String {
        let parsed = try policy.validate(url: url)
        let outcome: Result<String, ImageFetchError> = await withTaskGroup(of: Result<String, ImageFetchError>?.self) { group in
            group.addTask { await download(parsed) }
            group.addTask { [timeout = policy.timeout] in
                // A cancelled sleep means the download finished first.
                do { try await Task.sleep(for: timeout) } catch { return nil }
                return .failure(.timedOut)
            }
            var first: Result<String, ImageFetchError> = .failure(.timedOut)
            for await result in group {
                guard let result else { continue }
                first = result
                break
            }
            group.cancelAll()
            return first
        }
        return try outcome.get()
    }

    private func download(_ url: URL) async -> Result<String, ImageFetchError> {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "Accept", value: policy.allowedContentTypes.sorted().joined(separator: ", "))
        request.headers.add(name: "User-Agent", value: "mjbridge")
        do {
            let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(policy.timeout.nanoseconds)))
            guard (200..<300).contains(response.status.code) else { return .failure(.httpStatus(Int(response.status.code))) }
            let type: String
            do {
                type = try policy.validate(contentType: response.headers.first(name: "Content-Type"))
            } catch {
                return .failure(error)
            }
            if let declared = response.headers.first(name: "Content-Length").flatMap(Int.init), declared > policy.maxBytes {
                return .failure(.tooLarge(limit: policy.maxBytes))
            }
            var bytes: [UInt8] = []
            for try await chunk in response.body {
                guard bytes.count + chunk.readableBytes <= policy.maxBytes else {
                    // Leaving the loop drops the body stream, which cancels the transfer.
                    return .failure(.tooLarge(limit: policy.maxBytes))
                }
                bytes += chunk.readableBytesView
            }
            return .success(ImageFetchPolicy.dataURL(contentType: type, bytes: bytes))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return .failure(.timedOut)
        } catch is CancellationError {
            return .failure(.timedOut)
        } catch {
            return .failure(.unreachable(Self.reason(error)))
        }
    }

    /// A short, single-line reason for the user.
    static func reason(_ error: any Error) -> String {
        let text = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
        return text.isEmpty ? "unknown error" : text
    }
}

private extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
