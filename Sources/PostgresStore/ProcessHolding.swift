import Foundation

/// One bot process as the holders table knows it: which networks it held at its last heartbeat.
public struct ProcessHolding: Sendable, Equatable {
    public var processId: String
    public var host: String
    public var pid: Int
    public var startedAt: Date
    public var heartbeatAt: Date
    public var networks: [String]
    /// The heartbeat is at most this old by the database's clock (the readers' clocks play no part).
    public var silentSeconds: Double

    public init(processId: String, host: String, pid: Int, startedAt: Date, heartbeatAt: Date, networks: [String],
                silentSeconds: Double) {
        self.processId = processId
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.networks = networks
        self.silentSeconds = silentSeconds
    }
}
