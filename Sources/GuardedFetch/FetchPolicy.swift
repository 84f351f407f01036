/// Everything a fetch is allowed to do, as one value: which addresses, how many redirects,
/// how many bytes, how long. Passed per fetcher or per call, so that another kind of download
/// (e.g. mirroring the proxy's result images, where the proxy's own host is trusted) reuses the
/// same shell with its own rules.
public struct FetchPolicy: Hashable, Sendable {
    public var addresses: AddressPolicy
    /// The body is refused as soon as it grows past this (announced or not).
    public var maxBytes: Int
    /// Covers everything: waiting for a download slot, resolving, connecting, TLS, every redirect, the body.
    public var timeout: Duration
    public var maxRedirects: Int
    /// An https page redirecting to http would send the rest of the exchange in clear; off by default.
    public var allowsHTTPSDowngrade: Bool
    public var acceptedKinds: Set<ImageKind>
    /// Host names (lower case, as `FetchURL.host`) whose addresses pass whatever class they are:
    /// the proxy the operator configured, which may sit on the LAN or loopback and serve its own
    /// image links there. Never filled from user input; a redirect to another host is checked
    /// as usual.
    public var trustedHosts: Set<String> = []

    public init(addresses: AddressPolicy = AddressPolicy(), maxBytes: Int = 10_000_000, timeout: Duration = .seconds(20),
                maxRedirects: Int = 3, allowsHTTPSDowngrade: Bool = false, acceptedKinds: Set<ImageKind> = Set(ImageKind.allCases)) {
        self.addresses = addresses
        self.maxBytes = maxBytes
        self.timeout = timeout
        self.maxRedirects = maxRedirects
        self.allowsHTTPSDowngrade = allowsHTTPSDowngrade
        self.acceptedKinds = acceptedKinds
    }

    /// The first URL, from the user.
    public func check(url text: String) throws(FetchFailure) -> FetchURL {
        do { return try FetchURL(parsing: text) } catch { throw .badURL(error) }
    }

    /// The `redirects`-th redirect (1 for the first) from `current` to `location`: parsed,
    /// counted and checked like the first URL (the addresses are checked when it is resolved).
    public func checkRedirect(from current: FetchURL, to location: String?, status: Int, redirects: Int) throws(FetchFailure) -> FetchURL {
        guard let location, !location.isEmpty else { throw .httpStatus(status) }
        guard redirects <= maxRedirects else { throw .tooManyRedirects(limit: maxRedirects) }
        let next: FetchURL
        do { next = try current.resolving(location: location) } catch { throw .badRedirect(error) }
        if current.scheme == .https, next.scheme == .http, !allowsHTTPSDowngrade {
            throw .downgrade(to: next.description)
        }
        return next
    }

    /// Every address a host resolved to must pass: the connection may land on any of them (and
    /// a hostile DNS answer would pair a public address with an internal one), so one refused
    /// address refuses the host.
    public func check(addresses: [IPAddress], of host: String) throws(FetchFailure) {
        guard !addresses.isEmpty else { throw .unresolvable(host: host, reason: "no addresses") }
        if trustedHosts.contains(host.lowercased()) { return }
        for address in addresses {
            if case .refused(let kind) = self.addresses.verdict(for: address) {
                throw .refusedAddress(host: host, address: address, kind: kind)
            }
        }
    }

    /// A 2xx answer's announced length, before any body byte is read.
    public func check(announcedLength: Int?) throws(FetchFailure) {
        if let announcedLength, announcedLength > maxBytes { throw .tooLarge(limit: maxBytes, announced: announcedLength) }
    }

    /// The body so far (`complete` at its end): too large, or not one of the accepted images
    /// once enough bytes are in to tell. Returns the kind when it is known.
    public func check(body: [UInt8], complete: Bool, contentType: String?) throws(FetchFailure) -> ImageKind? {
        if body.count > maxBytes { throw .tooLarge(limit: maxBytes, announced: nil) }
        guard body.count >= ImageKind.sniffLength || complete else { return nil }
        guard let kind = ImageKind.sniff(body), acceptedKinds.contains(kind) else {
            throw .notAnImage(contentType: contentType ?? "", firstBytes: body.prefix(ImageKind.sniffLength).map { String($0, radix: 16) }.joined(separator: " "))
        }
        return kind
    }
}
