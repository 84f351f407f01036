import IRCClient

/// `/health`: the version and, per network, whether the bot is registered.
struct RuntimeHealth: HealthReporter {
    let clients: [String: IRCClient]

    func healthSnapshot() async -> [String: String] {
        var snapshot = ["status": "ok", "version": MJBridgeVersion.current]
        for (name, client) in clients {
            snapshot["network.\(name)"] = await client.isRegistered ? "registered" : "connecting"
        }
        return snapshot
    }
}
