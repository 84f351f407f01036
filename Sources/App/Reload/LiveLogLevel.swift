import Logging
import Synchronization

/// The process's log level, which `!reload` and SIGHUP can change: `mjbridge run` installs
/// `LiveLevelLogHandler`s that read it at every log call.
public final class LiveLogLevel: Sendable {
    private let value: Mutex<Logger.Level>

    public init(_ level: Logger.Level) {
        value = Mutex(level)
    }

    public var level: Logger.Level {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// A log handler whose level is the process-wide `LiveLogLevel`, so one reload changes what
/// every logger writes. Setting a level on one `Logger` has no effect: the level is the
/// operator's, from `bot.conf` (swift-log allows such a global override).
public struct LiveLevelLogHandler: LogHandler {
    private var base: StreamLogHandler
    private let live: LiveLogLevel

    public init(_ base: StreamLogHandler, level: LiveLogLevel) {
        self.base = base
        self.live = level
        // The base writes whatever reaches it; `Logger` filters by our `logLevel` first.
        self.base.logLevel = .trace
    }

    public var logLevel: Logger.Level {
        get { live.level }
        set {}
    }

    public var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        base.log(event: event)
    }
}
