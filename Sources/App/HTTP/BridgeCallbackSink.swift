import Bridge
import Foundation

/// Hands callback bodies to the bridge. The bridge may not exist yet when the server starts
/// (the demo learns its port first), so callbacks before `attach` are counted as unknown (polling finds their tasks).
public actor BridgeCallbackSink: CallbackSink {
    private var bridge: ChatBridge?

    public init(bridge: ChatBridge? = nil) {
        self.bridge = bridge
    }

    public func attach(_ bridge: ChatBridge) {
        self.bridge = bridge
    }

    public func receiveCallback(_ body: Data) async -> CallbackDisposition {
        guard let bridge else { return .unknown }
        switch await bridge.receiveCallback(body) {
        case .known: return .known
        case .adopted: return .adopted
        case .forgedState: return .forgedState
        case .invalidRoute: return .invalidRoute
        case .unknown: return .unknown
        case .noTaskId: return .noTaskId
        case .dropped: return .dropped
        }
    }
}
