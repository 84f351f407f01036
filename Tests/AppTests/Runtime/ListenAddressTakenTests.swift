import App
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `[http] listen` on a port another process holds: the bot stops with an error that names
/// the address and the key to change, both in this process and as `mjbridge run`.
@Suite struct ListenAddressTakenTests {
    static func config(in directory: URL, listen: String) throws -> String {
        let text = """
            [bot]
            database = "bot.sqlite"

            [proxy]
            base_url = "http://127.0.0.1:9/mj"
            poll_interval_seconds = 60

            [http]
            listen = "\(listen)"

            [[networks]]
            name = "nowhere"
            host = "127.0.0.1"
            port = 9
            tls = false
            nick = "portbot"
            sasl_mechanism = "none"
            """
        let path = directory.appendingPathComponent("bot.conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A listener on a free loopback port, held until closed.
    static func occupiedPort() async throws -> (any Channel, Int) {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, try #require(channel.localAddress?.port))
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mjbridge-port-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func theRuntimeNamesTheTakenAddressAndTheKeyToChange() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (holder, port) = try await Self.occupiedPort()
        let path = try Self.config(in: directory, listen: "127.0.0.1:\(port)")
        let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
        var logger = Logger(label: "port-test")
        logger.logLevel = .critical
        let runtime = try await BotRuntime.make(configuration: configuration, logger: logger)
        let group = runtime.serviceGroup(signals: [])
        // A listener that did bind would run until told to stop: a failed test, not a hung one.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            await group.triggerGracefulShutdown()
        }
        var thrown: (any Error)?
        do {
            try await group.run()
        } catch {
            thrown = error
        }
        watchdog.cancel()
        try await holder.close()
        let error = try #require(thrown, "the bot ran although its port was taken")
        let listenError = try #require(error as? HTTPListenError, "\(error)")
        let text = "\(listenError)"
        #expect(text.contains("127.0.0.1:\(port)") && text.contains("`listen`") && text.contains("[http]"), "\(text)")
        #expect(text.contains("already in use"), "\(text)")
    }

    @Test func mjbridgeRunExitsWithTheAddressAndTheKeyInItsMessage() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (holder, port) = try await Self.occupiedPort()
        let config = try Self.config(in: directory, listen: "127.0.0.1:\(port)")
        let child = try ChildProcess(ChildProcess.mjbridgeExecutable, ["run", "-c", config],
                                     logPath: directory.appendingPathComponent("run.log").path)
        defer { child.signal(SIGKILL) }
        let code = await SingleInstanceTests.exitCode(of: child, within: 60)
        try await holder.close()
        #expect(code == 1, "\(child.log.suffix(2000))")
        #expect(child.log.contains("cannot listen for HTTP on 127.0.0.1:\(port)") && child.log.contains("`listen` in the [http] section"),
                "\(child.log.suffix(2000))")
    }
}
