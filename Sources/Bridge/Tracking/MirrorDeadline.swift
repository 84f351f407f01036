import Synchronization

/// The tracker's own limit on one mirror. The host promises to return within its download
/// deadline (about 20 s); this only keeps a host that broke that promise from holding a
/// mirror slot, and a result line, forever. Past it the result is posted with the proxy's
/// links; the late mirror runs on and may still store the copy (`!status` then shows it).
enum MirrorDeadline {
    static func mirror(_ images: ResultImages, with host: any ResultImageHost, limit: Duration) async -> MirrorOutcome {
        let answer = FirstAnswer()
        return await withCheckedContinuation { (continuation: CheckedContinuation<MirrorOutcome, Never>) in
            let timer = Task {
                try await Task.sleep(for: limit)
                if answer.claim() { continuation.resume(returning: .failed(reason: "the image host did not answer within \(limit)")) }
            }
            Task {
                let outcome = await host.mirror(images)
                timer.cancel()
                if answer.claim() { continuation.resume(returning: outcome) }
            }
        }
    }
}

/// True for the first caller only: the continuation is resumed exactly once.
private final class FirstAnswer: Sendable {
    private let answered = Mutex(false)

    func claim() -> Bool {
        answered.withLock { done in
            defer { done = true }
            return !done
        }
    }
}
