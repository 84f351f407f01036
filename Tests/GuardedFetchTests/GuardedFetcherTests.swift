import GuardedFetch
import NIOCore
import Testing

/// The fetcher against loopback servers of the test's own, each counting what it received:
/// refused addresses get no connection at all, allowed ones still work, and every limit holds.
@Suite struct GuardedFetcherTests {
    static func fetcher(allow: [IPNetwork] = [], maxBytes: Int = 10_000_000, timeout: Duration = .seconds(30),
                        limiter: DownloadLimiter = DownloadLimiter()) throws -> GuardedFetcher {
        try GuardedFetcher(policy: FetchPolicy(addresses: AddressPolicy(allowedNetworks: allow), maxBytes: maxBytes, timeout: timeout),
                           limiter: limiter)
    }

    /// Runs `body` with a server and always stops it.
    static func withServer(host: String = "127.0.0.1", _ respond: @escaping LoopbackServer.Responder,
                           _ body: (LoopbackServer) async throws -> Void) async throws {
        let server = try await LoopbackServer.start(host: host, respond: respond)
        do { try await body(server) } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// The failure `fetch` ends with (a success is recorded as an issue).
    static func failure(_ fetcher: GuardedFetcher, _ url: String, policy: FetchPolicy? = nil) async -> FetchFailure? {
        do {
            let image = try await fetcher.fetch(url, policy: policy)
            Issue.record("\(url) was fetched (\(image.bytes.count) bytes)")
            return nil
        } catch {
            return error
        }
    }

    static func isRefused(_ failure: FetchFailure?, _ kind: AddressClass) -> Bool {
        if case .refusedAddress(_, _, let found) = failure { return found == kind }
        return false
    }

    // MARK: SSRF

    @Test func loopbackIsRefusedInEveryFormWithoutAConnection() async throws {
        try await Self.withServer({ _ in LoopbackServer.image() }) { server in
            let fetcher = try Self.fetcher()
            for url in [server.url("/x.png"), server.url("/x.png", host: "localhost"), server.url("/x.png", host: "LOCALHOST"),
                        server.url("/x.png", host: "[::ffff:127.0.0.1]"), server.url("/x.png", host: "[::ffff:7f00:1]"),
                        server.url("/x.png", host: "[64:ff9b::7f00:1]"), server.url("/x.png", host: "127.1"),
                        server.url("/x.png", host: "2130706433")] {
                let failure = await Self.failure(fetcher, url)
                #expect(Self.isRefused(failure, .loopback), "\(url): \(String(describing: failure))")
                #expect(failure?.userReason == .privateAddress)
            }
            #expect(await server.log.connections == 0)
            #expect(await server.log.requests.isEmpty)
        }
    }

    @Test func ipv6LoopbackIsRefusedWithoutAConnection() async throws {
        try await Self.withServer(host: "::1", { _ in LoopbackServer.image() }) { server in
            let failure = await Self.failure(try Self.fetcher(), server.url("/x.png"))
            #expect(failure == .refusedAddress(host: "::1", address: .v6(high: 0, low: 1), kind: .loopback))
            #expect(await server.log.connections == 0)
            // Allowed explicitly, the same server answers: the refusal above was the policy's.
            let image = try await Self.fetcher(allow: ["::1/128"]).fetch(server.url("/x.png"))
            #expect(image.kind == .png && image.bytes == LoopbackServer.png)
            #expect(await server.log.requests == [LoopbackServer.Request(path: "/x.png", host: "[::1]:\(server.port)")])
        }
    }

    @Test func metadataAndPrivateAddressesAreRefusedBeforeAnyConnect() async throws {
        let fetcher = try Self.fetcher()
        // Nothing listens on these here; a fetcher that tried would time out or fail to connect instead.
        let cases: [(String, AddressClass)] = [
            ("http://169.254.169.254/latest/meta-data/", .linkLocal), ("http://[fe80::1]/", .linkLocal),
            ("http://10.0.0.1/a.png", .privateUse), ("http://192.168.1.1/a.png", .privateUse), ("http://172.16.0.1/", .privateUse),
            ("http://100.64.0.1/", .sharedAddress), ("http://[fd00::1]/", .privateUse), ("http://0.0.0.0/", .unspecified),
            ("http://[::]/", .unspecified), ("http://224.0.0.1/", .multicast), ("http://255.255.255.255/", .broadcast),
            ("http://[::ffff:169.254.169.254]/", .linkLocal), ("http://[2002:a9fe:a9fe::1]/", .linkLocal),
        ]
        for (url, kind) in cases {
            let failure = await Self.failure(fetcher, url)
            #expect(Self.isRefused(failure, kind), "\(url): \(String(describing: failure))")
        }
    }

    @Test func anAllowedAddressStillWorks() async throws {
        try await Self.withServer(host: "127.0.0.2", { _ in LoopbackServer.image() }) { server in
            let image = try await Self.fetcher(allow: ["127.0.0.2/32"]).fetch(server.url("/cat.png?size=2"))
            #expect(image.kind == .png && image.bytes == LoopbackServer.png)
            #expect(image.dataURL.hasPrefix("data:image/png;base64,iVBORw0KGgo"))
            #expect(await server.log.requests == [LoopbackServer.Request(path: "/cat.png?size=2", host: "127.0.0.2:\(server.port)")])
        }
    }

    /// The `everyCommandFamilyOverIRC` flake ("I/O on closed channel" on `!blend`): a server
    /// answers (and, with `Connection: close`, hangs up) as soon as it has the request head;
    /// a fetcher still writing the rest of its request then met a closed channel and failed
    /// although the whole image had arrived. This server does just that, many times over. The
    /// race needs the client's thread held up between two writes (a loaded machine): on an
    /// idle one this passed before the fix too; it guards the path, the fix removes the window.
    @Test func aServerHangingUpRightAfterItsAnswerIsNoFailure() async throws {
        try await Self.withServer(host: "127.0.0.2", { _ in LoopbackServer.image() }) { server in
            let fetcher = try Self.fetcher(allow: ["127.0.0.2/32"])
            var failures: [String] = []
            for _ in 0..<100 {
                do {
                    let image = try await fetcher.fetch(server.url("/x.png"))
                    if image.bytes != LoopbackServer.png { failures.append("wrong bytes (\(image.bytes.count))") }
                } catch {
                    failures.append("\(error)")
                }
            }
            #expect(failures.isEmpty, "\(failures.count) of 100 failed: \(Set(failures))")
        }
    }

    @Test func aRedirectToARefusedAddressFetchesNothingThere() async throws {
        try await Self.withServer(host: "127.0.0.1", { _ in LoopbackServer.image() }) { refused in
            let targets = [refused.url("/secret.png"), refused.url("/secret.png", host: "localhost"),
                           refused.url("/secret.png", host: "[::ffff:127.0.0.1]")]
            try await Self.withServer(host: "127.0.0.2", { request in
                let index = Int(request.path.dropFirst("/hop".count)) ?? 0
                return LoopbackServer.redirect(to: targets[index])
            }) { allowed in
                let fetcher = try Self.fetcher(allow: ["127.0.0.2/32"])
                for index in targets.indices {
                    let failure = await Self.failure(fetcher, allowed.url("/hop\(index)"))
                    #expect(Self.isRefused(failure, .loopback), "\(targets[index]): \(String(describing: failure))")
                    #expect(failure?.userReason == .privateAddress)
                }
                #expect(await allowed.log.requests.count == targets.count)
                #expect(await refused.log.connections == 0)
            }
        }
    }

    @Test func redirectsAreFollowedByHandUpToThree() async throws {
        try await Self.withServer(host: "127.0.0.2", { request in
            switch request.path {
            case "/a/1": LoopbackServer.redirect(to: "2", status: "301 Moved Permanently")   // relative to /a/
            case "/a/2": LoopbackServer.redirect(to: "/a/3", status: "307 Temporary Redirect")
            case "/a/3": LoopbackServer.redirect(to: "/img.png", status: "308 Permanent Redirect")
            case "/b/1": LoopbackServer.redirect(to: "/a/1")
            case "/img.png": LoopbackServer.image()
            case "/none": LoopbackServer.answer(status: "302 Found")
            default: LoopbackServer.answer(status: "404 Not Found")
            }
        }) { server in
            let fetcher = try Self.fetcher(allow: ["127.0.0.2/32"])
            let image = try await fetcher.fetch(server.url("/a/1"))
            #expect(image.finalURL.target == "/img.png" && image.kind == .png)
            #expect(await server.log.requests.map(\.path) == ["/a/1", "/a/2", "/a/3", "/img.png"])

            #expect(await Self.failure(fetcher, server.url("/b/1")) == .tooManyRedirects(limit: 3))
            // The fourth redirect's target is never requested.
            #expect(await server.log.requests.map(\.path).suffix(4) == ["/b/1", "/a/1", "/a/2", "/a/3"])

            #expect(await Self.failure(fetcher, server.url("/none")) == .httpStatus(302))
            #expect(await Self.failure(fetcher, server.url("/gone.png")) == .httpStatus(404))
            #expect(FetchFailure.httpStatus(404).userReason == .unavailable)
        }
    }

    @Test func aPolicyCanBeGivenPerCall() async throws {
        try await Self.withServer({ _ in LoopbackServer.image() }) { server in
            let fetcher = try Self.fetcher()
            #expect(Self.isRefused(await Self.failure(fetcher, server.url("/x.png")), .loopback))
            // E.g. mirroring results from a proxy the operator configured on this machine.
            let trusted = FetchPolicy(addresses: AddressPolicy(allowedNetworks: ["127.0.0.1/32"]))
            #expect(try await fetcher.fetch(server.url("/x.png"), policy: trusted).bytes == LoopbackServer.png)
        }
    }

    // MARK: Content

    @Test func theBytesDecideWhatIsAnImage() async throws {
        let html = Array("<html><body>not an image</body></html>".utf8)
        try await Self.withServer(host: "127.0.0.2", { request in
            switch request.path {
            case "/lie.png": LoopbackServer.image(html, type: "image/png")
            case "/short.png": LoopbackServer.image([0x89, 0x50, 0x4E], type: "image/png")
            case "/empty.png": LoopbackServer.image([], type: "image/png")
            case "/octets": LoopbackServer.image(type: "application/octet-stream")
            case "/gif": LoopbackServer.image(Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0], type: "text/plain")
            default: LoopbackServer.answer(status: "404 Not Found")
            }
        }) { server in
            let fetcher = try Self.fetcher(allow: ["127.0.0.2/32"])
            for path in ["/lie.png", "/short.png", "/empty.png"] {
                let failure = await Self.failure(fetcher, server.url(path))
                #expect(failure?.userReason == .notAnImage, "\(path): \(String(describing: failure))")
            }
            #expect(try await fetcher.fetch(server.url("/octets")).kind == .png)
            #expect(try await fetcher.fetch(server.url("/gif")).dataURL.hasPrefix("data:image/gif;base64,"))
        }
    }

    @Test func theSizeCapHoldsAnnouncedOrNot() async throws {
        try await Self.withServer(host: "127.0.0.2", { request in
            switch request.path {
            // Announced too large: refused before the body.
            case "/declared.png": LoopbackServer.answer(headers: ["Content-Type: image/png"], body: LoopbackServer.png, length: 50_000_000)
            // No length, no end: only counting while streaming stops it (otherwise: a timeout).
            case "/endless.png": LoopbackServer.answer(headers: ["Content-Type: image/png"], length: nil) + [.send(LoopbackServer.png), .endless]
            // Chunked, no length announced, just over the cap.
            case "/chunked.png":
                LoopbackServer.answer(headers: ["Content-Type: image/png", "Transfer-Encoding: chunked"], length: nil)
                    + [.send(Array("3e9\r\n".utf8) + LoopbackServer.png + [UInt8](repeating: 1, count: 1001 - LoopbackServer.png.count) + Array("\r\n0\r\n\r\n".utf8))]
            case "/exact.png": LoopbackServer.image(LoopbackServer.png + [UInt8](repeating: 1, count: 1000 - LoopbackServer.png.count))
            default: LoopbackServer.answer(status: "404 Not Found")
            }
        }) { server in
            let fetcher = try Self.fetcher(allow: ["127.0.0.2/32"], maxBytes: 1_000, timeout: .seconds(30))
            #expect(await Self.failure(fetcher, server.url("/declared.png")) == .tooLarge(limit: 1_000, announced: 50_000_000))
            #expect(await Self.failure(fetcher, server.url("/endless.png")) == .tooLarge(limit: 1_000, announced: nil))
            // The endless answer stops only when the fetcher hangs up, which it must have done.
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while await server.log.openNow > 0 {
                guard ContinuousClock.now < deadline else { Issue.record("the fetcher kept the endless connection open"); break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(await Self.failure(fetcher, server.url("/chunked.png")) == .tooLarge(limit: 1_000, announced: nil))
            #expect(try await fetcher.fetch(server.url("/exact.png")).bytes.count == 1_000)
        }
    }

    // MARK: Time and concurrency

    @Test func theTimeoutCoversEveryPhase() async throws {
        try await Self.withServer(host: "127.0.0.2", { request in
            switch request.path {
            case "/silent.png": [.sleep(.seconds(60))]
            case "/trickle.png": LoopbackServer.answer(headers: ["Content-Type: image/png"], length: 5_000) + [.send(LoopbackServer.png), .sleep(.seconds(60))]
            default: LoopbackServer.answer(status: "404 Not Found")
            }
        }) { server in
            let fetcher = try Self.fetcher(allow: ["127.0.0.2/32"], timeout: .milliseconds(400))
            #expect(await Self.failure(fetcher, server.url("/silent.png")) == .timedOut)
            #expect(await Self.failure(fetcher, server.url("/trickle.png")) == .timedOut)
            #expect(FetchFailure.timedOut.userReason == .timedOut)
        }
    }

    @Test func aClosedPortIsUnavailableNotExplained() async throws {
        // Port 1 (tcpmux) is closed on any machine that runs these tests.
        let failure = await Self.failure(try Self.fetcher(allow: ["127.0.0.2/32"]), "http://127.0.0.2:1/x.png")
        guard case .connectionFailed = failure else { Issue.record("\(String(describing: failure))"); return }
        #expect(failure?.userReason == .unavailable)
    }

    @Test func atMostTwoDownloadsRunAtOnce() async throws {
        try await Self.withServer(host: "127.0.0.2", { _ in [.sleep(.milliseconds(200))] + LoopbackServer.image() }) { server in
            let limiter = DownloadLimiter(maxConcurrent: 2, budgetBytes: 100_000_000)
            let fetcher = try Self.fetcher(allow: ["127.0.0.2/32"], limiter: limiter)
            try await withThrowingTaskGroup(of: FetchedImage.self) { group in
                for index in 0..<6 { group.addTask { try await fetcher.fetch(server.url("/\(index).png")) } }
                for try await image in group { #expect(image.bytes == LoopbackServer.png) }
            }
            #expect(await server.log.requests.count == 6)
            let most = await server.log.mostUnansweredAtOnce
            #expect(most >= 1 && most <= 2, "\(most) requests waited for an answer at once")
            #expect(await limiter.usage == .init(running: 0, reservedBytes: 0, waiting: 0))
        }
    }
}
