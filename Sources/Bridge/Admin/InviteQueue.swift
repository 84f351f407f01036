/// Runs the bridge's INVITE decisions one at a time per network. The transport handles
/// several events at once, and a decision spans awaits (NAMES, the channel count, the join):
/// two invitations decided side by side would both see room under `max_channels` and both
/// join. In order, the second sees the first's channel.
actor InviteQueue {
    private var tails: [String: Task<Void, Never>] = [:]

    init() {}

    func run(network: String, _ body: @escaping @Sendable () async -> Void) async {
        let previous = tails[network]
        let task = Task {
            await previous?.value
            await body()
        }
        tails[network] = task
        await task.value
        // Only the last one is kept; done ones let go of their closures.
        if tails[network] == task { tails[network] = nil }
    }
}
