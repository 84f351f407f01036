import MidjourneyAPI
import Store

/// Whether a task found for an image ref can give an image, and if not, the sentence that
/// says why. Pure: the caller has already made sure the task belongs to this conversation.
enum ReferencedImageRule {
    /// Kinds whose result is text, not an image (their `imageUrl`, when a proxy sets one, is
    /// the picture they were given, not something they made).
    static let textKinds: Set<String> = ["describe", "shorten"]
    static let textActions: Set<String> = ["DESCRIBE", "SHORTEN"]

    /// Nil when the task's image may be used; `shown` is how the answer names the input.
    static func refusal(_ task: TaskRecord, index: Int?, shown: String) -> String? {
        let status = task.status.uppercased()
        guard task.isTerminal else {
            return "ref \(shown) is not finished yet (\(pendingState(task))); use it once it is done"
        }
        if task.timedOut && status != "SUCCESS" { return "ref \(shown) timed out, so it has no image" }
        switch status {
        case "SUCCESS": break
        case "CANCEL", "CANCELLED": return "ref \(shown) was cancelled, so it has no image"
        default: return "ref \(shown) failed, so it has no image"
        }
        if textKinds.contains(task.kind.lowercased()) || textActions.contains((task.action ?? "").uppercased()) {
            return "ref \(shown) is a \(task.kind.lowercased()), which has no image"
        }
        guard task.imageUrl?.isEmpty == false else { return "ref \(shown) has no image" }
        if let index, !isGrid(task) {
            return "ref \(shown) is a single image, not a grid: use it without /\(index)"
        }
        return nil
    }

    /// A grid offers U1–U4 (a single image of it is an upscale away).
    static func isGrid(_ task: TaskRecord) -> Bool {
        TaskButton.decode(task.buttonsJSON).contains { button in
            if case .upscale(_) = button.kind { return true }
            return false
        }
    }

    /// `waiting to start`, `in progress, 40%`, `waiting for a remix prompt`.
    static func pendingState(_ task: TaskRecord) -> String {
        switch task.status.uppercased() {
        case "NOT_START", "SUBMITTED": return "waiting to start"
        case "MODAL": return "waiting for a remix prompt"
        case "IN_PROGRESS": return task.progress.map { "in progress, \($0)%" } ?? "in progress"
        default: return task.status.lowercased().split(separator: "_").joined(separator: " ")
        }
    }
}
