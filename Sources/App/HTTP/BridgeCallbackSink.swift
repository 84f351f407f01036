import Bridge
import Foundation

/// Hands callback bodies to the bridge. The bridge may not exist yet when the server starts
/// (the demo learns its port first), so callbacks before `attach` are answered as unknown.
public actor BridgeCallbackSink: CallbackSink {
    private var bridge: Bridge?

    public init(bridge: Bridge? = nil) {
        self.bridge = bridge
    }

    public func attach(_ bridge: Bridge) {
        self.bridge = bridge
    }

    public func receiveCallback(_ body: Data) async -> CallbackDisposition {
        guard let bridge else { return .unknownTask }
        switch await bridge.receiveCallback(body) {
        case .applied: return .applied
        case .duplicateOrStale: return .duplicateOrStale
        case .unknownTask: return .unknownTask
        }
    }
}
