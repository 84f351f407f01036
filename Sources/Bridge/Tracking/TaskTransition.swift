import Foundation
import Store

/// What one report did to a task.
public enum ApplyOutcome: String, Sendable, Hashable {
    /// The task moved forward (and any lines it owes were queued).
    case applied
    /// Same or older state than we have, or the task is already finished: nothing to say.
    case duplicateOrStale
    /// Neither in the store nor routable through its `state`.
    case unknownTask
}

/// The pure rules for moving a stored task forward: ranked states never go backwards,
/// duplicates change nothing, a terminal state queues the result once, running states queue
/// progress lines as the channel's policy and throttle allow.
public struct TaskTransition: Sendable {
    public var renderer: TaskRenderer
    public var addressing: ReplyAddressing
    public var throttle: ProgressThrottle
    /// The task's short reference as the user should see it now; `apply(_:to:lines:reference:)`
    /// asks its `reference` instead, only when a line is said.
    public var ref: String
    public var now: Date
    /// What mirroring the result's images came to (the tracker mirrors before it applies a
    /// success, see `imagesToMirror`); nil = no host: the proxy's links are posted.
    public var mirror: MirrorOutcome?

    public init(renderer: TaskRenderer, addressing: ReplyAddressing, throttle: ProgressThrottle, ref: String = "", now: Date,
                mirror: MirrorOutcome? = nil) {
        self.renderer = renderer
        self.addressing = addressing
        self.throttle = throttle
        self.ref = ref
        self.now = now
        self.mirror = mirror
    }

    /// The images to mirror before `snapshot` is applied to `task`: those of a success that
    /// would now be said (the same checks as `apply`: not said yet, moves the task forward) and
    /// whose line links images. Nil for anything else: progress, failures, duplicates, a
    /// describe or shorten (their lines link nothing), a success without a link.
    public static func imagesToMirror(_ snapshot: TaskSnapshot, for task: TaskRecord) -> ResultImages? {
        let lateResult = task.isTerminal && task.timedOut && TaskRank.isTerminal(snapshot.status)
        guard !task.isTerminal || lateResult,
              snapshot.rank > TaskRank(statusRank: task.statusRank, progress: task.progress ?? 0),
              TaskRank.isTerminal(snapshot.status),
              TaskOutcome.of(status: snapshot.status, failReason: snapshot.failReason ?? task.failReason) == .succeeded
        else { return nil }
        let action = (snapshot.action ?? task.action ?? "").uppercased()
        guard action != "DESCRIBE", action != "SHORTEN", task.kind != "describe", task.kind != "shorten" else { return nil }
        let grid = snapshot.imageUrl.flatMap { $0.isEmpty ? nil : $0 } ?? task.imageUrl
        let singles = ResultLinks.singles(from: snapshot.imageUrls)
        guard grid != nil || !singles.isEmpty else { return nil }
        return ResultImages(taskId: task.id, grid: grid, singles: singles)
    }

    public func apply(_ snapshot: TaskSnapshot, to task: inout TaskRecord, lines: inout [OutboxLine]) -> ApplyOutcome {
        apply(snapshot, to: &task, lines: &lines, reference: { ref })
    }

    /// `reference` is called only when a line is produced: the short reference costs a read of
    /// the conversation's recent tasks, which duplicates and unannounced progress must not pay.
    public func apply(_ snapshot: TaskSnapshot, to task: inout TaskRecord, lines: inout [OutboxLine],
                      reference: () -> String) -> ApplyOutcome {
        // Our own deadline is not a result: one that comes after it (callback, !status) is
        // still said, once. Only the proxy's terminal states count for that.
        let lateResult = task.isTerminal && task.timedOut && TaskRank.isTerminal(snapshot.status)
        guard !task.isTerminal || lateResult else { return .duplicateOrStale }
        let current = TaskRank(statusRank: task.statusRank, progress: task.progress ?? 0)
        let incoming = snapshot.rank
        guard incoming > current else {
            // A repeat still proves the proxy is following the task.
            if incoming == current && !task.isTerminal { task.lastHeardAt = now }
            return .duplicateOrStale
        }
        if lateResult { task.timedOut = false }
        task.status = snapshot.status
        task.statusRank = incoming.statusRank
        if let progress = snapshot.progress { task.progress = progress }
        if let action = snapshot.action, !action.isEmpty { task.action = action }
        if let url = snapshot.imageUrl, !url.isEmpty { task.imageUrl = url }
        if let reason = snapshot.failReason, !reason.isEmpty { task.failReason = reason }
        if !snapshot.buttons.isEmpty { task.buttonsJSON = TaskButton.encode(snapshot.buttons) }
        if let finalPrompt = snapshot.finalPrompt, !finalPrompt.isEmpty { task.finalPrompt = finalPrompt }
        task.lastHeardAt = now
        task.updatedAt = now

        if TaskRank.isTerminal(snapshot.status) {
            task.isTerminal = true
            task.finishedAt = now
            for text in resultLines(task, snapshot: snapshot, ref: reference()) { lines.append(line(for: task, text)) }
        } else if incoming.statusRank >= TaskRank.statusRank("IN_PROGRESS"),
                  let level = throttle.levelToAnnounce(progress: task.progress ?? 0, lastLevel: task.progressNotifiedLevel,
                                                       lastAt: task.progressNotifiedAt, now: now) {
            task.progressNotifiedLevel = level
            task.progressNotifiedAt = now
            lines.append(line(for: task, renderer.progress(ref: reference(), level: level), isProgress: true))
        }
        return .applied
    }

    /// The deadline passed without a result.
    public func timeOut(_ task: inout TaskRecord, lines: inout [OutboxLine], deadlineMinutes: Int) -> Bool {
        guard !task.isTerminal else { return false }
        task.isTerminal = true
        task.timedOut = true
        task.finishedAt = now
        task.updatedAt = now
        let text: String
        if task.status.uppercased() == "MODAL" {
            text = "⏱ ref \(ref) waited \(deadlineMinutes) min for a prompt and was dropped."
        } else {
            text = renderer.timedOut(kind: task.kind, prompt: task.prompt, minutes: deadlineMinutes,
                                     lastProgress: task.statusRank >= 3 ? task.progress : nil, ref: ref)
        }
        lines.append(line(for: task, text))
        return true
    }

    func resultLines(_ task: TaskRecord, snapshot: TaskSnapshot, ref: String) -> [String] {
        // The same classification `!stats` counts by.
        switch TaskOutcome.of(status: snapshot.status, failReason: task.failReason) {
        case .succeeded:
            let proxy = ResultImages(taskId: task.id, grid: task.imageUrl, singles: ResultLinks.singles(from: snapshot.imageUrls))
            let links = ResultLinks(proxy: proxy, video: snapshot.videoUrl, outcome: mirror)
            return renderer.success(kind: task.kind, action: task.action, prompt: task.prompt, links: links,
                                    finalPrompt: task.finalPrompt, buttons: TaskButton.decode(task.buttonsJSON), ref: ref)
        case .cancelled:
            return [renderer.cancelled(kind: task.kind, prompt: task.prompt, ref: ref)]
        case .failed, .timedOut:
            return [renderer.failure(kind: task.kind, prompt: task.prompt, reason: task.failReason, ref: ref)]
        }
    }

    func line(for task: TaskRecord, _ text: String, isProgress: Bool = false) -> OutboxLine {
        let outgoing = addressing.reply(network: task.network, channel: task.channel, nick: task.nick, text)
        return OutboxLine(network: outgoing.network, target: outgoing.target, isChannel: task.channel != nil,
                          text: outgoing.text, style: outgoing.style.rawValue, taskId: task.id, isProgress: isProgress,
                          createdAt: now, replyTo: task.replyTo)
    }
}
