import Bridge
import Foundation
import Logging
import Synchronization
import Testing
@testable import App
@testable import Bridge

/// The wiring in `BotRuntime`: with `[images] public_base_url` the bridge gets the host, the
/// store is next to the database, and `/i/<name>` answers on `http.listen` beside `/metrics`;
/// without it the bridge gets the disabled host and nothing is created.
@Suite struct BotRuntimeImageHostingTests {
    func configuration(directory: URL, httpPort: Int, proxy: String, images: String) async throws -> Configuration {
        try ConfigurationLoader(environment: [:]).parse(toml: """
            [bot]
            database = "bot.sqlite"
            [proxy]
            base_url = "\(proxy)/mj"
            [http]
            listen = "127.0.0.1:\(httpPort)"
            [images]
            \(images)
            [[networks]]
            name = "nowhere"
            host = "127.0.0.1"
            port = \(try await freePort())
            tls = false
            nick = "mjbot"
            """, baseDirectory: directory.path)
    }

    var quietLogger: Logger {
        var logger = Logger(label: "runtime.images.test")
        logger.logLevel = .critical
        return logger
    }

    @Test func hostingOnServesMirroredResultsOnTheListener() async throws {
        let grid = pngBytes(9, count: 2000)
        let (imageHost, imageServer) = try await FlakyImageHost.start(images: ["grid.png": grid])
        imageHost.up.withLock { $0 = true }
        // The port is bound by the bot a moment after it was chosen: another listener may take
        // it in between; a group that ended without answering is tried again on a new port.
        var answered = false
        for _ in 1...3 where !answered {
            let directory = try ImageTestDirectory()
            let httpPort = try await freePort()
            let config = try await configuration(directory: directory.url, httpPort: httpPort, proxy: imageServer.baseURL,
                                                 images: "public_base_url = \"http://127.0.0.1:\(httpPort)\"")
            let runtime = try await BotRuntime.make(configuration: config, logger: quietLogger)
            let host = try #require(runtime.imageHost)
            #expect(runtime.bridge.resultImageHost is HostedResultImages)
            #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("images/tmp").path))
            guard case .hosted(let links) = await host.mirror(ResultImages(taskId: "1748339029407777", grid: imageServer.baseURL + "/img/grid.png")),
                  let link = links.grid else {
                Issue.record("not hosted"); break
            }
            #expect(link.hasPrefix("http://127.0.0.1:\(httpPort)/i/7777-"))
            let group = runtime.serviceGroup(signals: [])
            let ended = Mutex(false)
            let task = Task {
                defer { ended.withLock { $0 = true } }
                try await group.run()
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while !answered, !ended.withLock({ $0 }), ContinuousClock.now < deadline {
                if let answer = try? await httpRequest(link) {
                    #expect(answer.status == 200 && answer.body == grid && answer.headers["content-type"] == "image/png")
                    let metrics = try await httpRequest("http://127.0.0.1:\(httpPort)/metrics")
                    #expect(String(decoding: metrics.body, as: UTF8.self).contains("mjbridge_images_mirrored_bytes_total \(grid.count)"))
                    answered = true
                } else {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
        #expect(answered, "the bot's listener never served the image")
        await imageServer.stop()
    }

    @Test func hostingOffGivesTheBridgeTheDisabledHostAndCreatesNothing() async throws {
        let directory = try ImageTestDirectory()
        let config = try await configuration(directory: directory.url, httpPort: try await freePort(), proxy: "http://127.0.0.1:9",
                                             images: "")
        let runtime = try await BotRuntime.make(configuration: config, logger: quietLogger)
        #expect(runtime.imageHost == nil)
        #expect(runtime.bridge.resultImageHost is DisabledResultImageHost)
        #expect(await runtime.bridge.resultImageHost?.mirror(ResultImages(taskId: "1", grid: "http://x/y.png")) == .disabled)
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("images").path))
    }
}
