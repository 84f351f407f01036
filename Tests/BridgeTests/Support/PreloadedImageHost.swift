import Bridge
import Synchronization

/// TEST-ONLY: a `ResultImageHost` preloaded with mirrored copies by the test, for the
/// bridge's use of mirrored copies (task refs as image inputs). It downloads nothing and
/// serves nothing; the real host (downloads, blob store, catalog, `/i/` route) is the App's.
/// It records which copies the bridge asked for, so a test can tell the host path was taken.
final class PreloadedImageHost: ResultImageHost {
    struct Key: Hashable {
        var taskId: String
        var index: Int?
    }

    private let copies = Mutex<[Key: String]>([:])
    private let asked = Mutex<[Key]>([])

    /// Stores `dataURL` as the mirrored copy of a task's grid (`index` nil) or single image.
    func put(taskId: String, index: Int? = nil, dataURL: String) {
        copies.withLock { $0[Key(taskId: taskId, index: index)] = dataURL }
    }

    /// Every `mirroredImage` question so far, in order.
    var questions: [Key] { asked.withLock { $0 } }

    func mirror(_ images: ResultImages) async -> MirrorOutcome { .disabled }

    func hostedLinks(forTask taskId: String) async -> HostedLinks? { nil }

    func mirroredImage(forTask taskId: String, index: Int?) async -> String? {
        let key = Key(taskId: taskId, index: index)
        asked.withLock { $0.append(key) }
        return copies.withLock { $0[key] }
    }
}
