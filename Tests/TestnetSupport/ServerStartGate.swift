/// At most `width` external servers (IRC test networks, Synapse) start at once in a test run.
///
/// Every suite on a real peer starts its own servers when the run begins; on 2 cores forty of
/// them at once (each generating TLS keys, starting InspIRCd and Atheme, or importing Synapse)
/// starved the test process for over ten seconds, and the scripted-server tests running beside
/// them timed out waiting for their own task to be scheduled. Starting them a few at a time
/// costs the run little (a start takes seconds, a suite minutes) and keeps every other test fair.
public actor ServerStartGate {
    public static let shared = ServerStartGate(width: 2)

    private let width: Int
    private var inUse = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(width: Int) {
        self.width = width
    }

    /// Runs `start` once a slot is free (first come, first served) and frees the slot after it.
    public nonisolated func starting<T: Sendable>(_ start: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let value = try await start()
            await release()
            return value
        } catch {
            await release()
            throw error
        }
    }

    private func acquire() async {
        if inUse < width {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            inUse -= 1
        } else {
            // The slot passes straight to the next in line.
            waiters.removeFirst().resume()
        }
    }
}
