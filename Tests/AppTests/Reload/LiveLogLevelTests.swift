import Logging
import Testing
@testable import App

/// The level `mjbridge run`'s loggers share, which a reload changes for all of them at once.
@Suite struct LiveLogLevelTests {
    @Test func everyLoggerFollowsTheLiveLevelAndIgnoresItsOwn() {
        let live = LiveLogLevel(.info)
        var proxy = Logger(label: "mjbridge.proxy") { LiveLevelLogHandler(StreamLogHandler.standardError(label: $0), level: live) }
        let irc = Logger(label: "mjbridge.irc") { LiveLevelLogHandler(StreamLogHandler.standardError(label: $0), level: live) }
        #expect(proxy.logLevel == .info && irc.logLevel == .info)
        proxy.logLevel = .trace
        #expect(proxy.logLevel == .info, "the operator's level from bot.conf, not one logger's")
        live.level = .debug
        #expect(proxy.logLevel == .debug && irc.logLevel == .debug)
        proxy[metadataKey: "network"] = "libera"
        #expect(proxy[metadataKey: "network"] == "libera" && irc[metadataKey: "network"] == nil)
    }
}
