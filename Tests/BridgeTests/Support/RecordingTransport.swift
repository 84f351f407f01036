import Bridge

/// An in-process chat transport that keeps what it was asked to send: the bridge's real
/// counterpart in tests, in the way the demo console is in the demo.
actor RecordingTransport: ChatTransport {
    struct Unavailable: Error {}

    private(set) var sent: [OutgoingChat] = []
    private var joined: Set<String> = []
    private var allChannelsJoined: Bool
    var isDown = false

    init(joinedToAllChannels: Bool = true) {
        allChannelsJoined = joinedToAllChannels
    }

    func send(_ line: OutgoingChat) async throws {
        if isDown { throw Unavailable() }
        sent.append(line)
    }

    func isJoined(network: String, channel: String) async -> Bool {
        allChannelsJoined || joined.contains("\(network) \(channel.lowercased())")
    }

    func join(network: String, channel: String) { joined.insert("\(network) \(channel.lowercased())") }
    func setDown(_ down: Bool) { isDown = down }
    var texts: [String] { sent.map(\.text) }
}
