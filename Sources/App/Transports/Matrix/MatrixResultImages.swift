import Bridge
import Foundation
import Logging
import Matrix
import Store

/// The image a result line is posted with on Matrix: which owed line is a task's result line,
/// and the bytes of its image — the mirrored copy when the image host has one (no second
/// download, and it outlives the proxy's link), else downloaded under the fetch rules of
/// image links (`GuardedImageFetcher`: size limit, no private addresses but the allowed).
public struct MatrixResultImages: Sendable {
    public struct File: Sendable, Hashable {
        public var data: Data
        public var header: ImageHeader
        public var filename: String
    }

    let store: any BotStore
    let host: (any ResultImageHost)?
    let fetcher: any ImageFetcher
    let logger: Logger

    public init(store: any BotStore, host: (any ResultImageHost)?, fetcher: any ImageFetcher, logger: Logger) {
        self.store = store
        self.host = host
        self.fetcher = fetcher
        self.logger = logger
    }

    /// The task of `line` when the line is its result line: the first line (not progress)
    /// written with the success, and the task has an image. Decided from the store alone, so
    /// every resend of the line decides the same (its events keep their transaction ids).
    public func resultTask(of line: OutgoingChat) async -> TaskRecord? {
        guard let taskId = line.taskId, let lineID = line.outboxLineID else { return nil }
        do {
            guard let task = try await store.task(id: taskId), TaskOutcome(task) == .succeeded, task.imageUrl != nil,
                  let finished = task.finishedAt else { return nil }
            let result = try await store.lines(forTask: taskId).first { !$0.isProgress && $0.createdAt >= finished.addingTimeInterval(-0.002) }
            return result?.id == lineID ? task : nil
        } catch {
            logger.warning("cannot read a line's task", metadata: ["task": "\(taskId)", "error": "\(error)"])
            return nil
        }
    }

    /// The image's bytes and header; nil when neither the mirror nor a download gives an image.
    public func file(for task: TaskRecord) async -> File? {
        var dataURL = await host?.mirroredImage(forTask: task.id, index: nil)
        if dataURL == nil, let url = task.imageUrl {
            do {
                dataURL = try await fetcher.dataURL(for: url)
            } catch {
                logger.notice("cannot download a result image for Matrix; posting the link",
                              metadata: ["task": "\(task.id)", "error": "\(error)"])
            }
        }
        guard let dataURL, let data = Self.decode(dataURL), let header = ImageHeader.read(data) else { return nil }
        let ext = header.mimetype.split(separator: "/").last.map(String.init) ?? "img"
        return File(data: data, header: header, filename: "\(task.id).\(ext == "jpeg" ? "jpg" : ext)")
    }

    /// `data:<type>;base64,<bytes>` → bytes.
    static func decode(_ dataURL: String) -> Data? {
        guard dataURL.hasPrefix("data:"), let comma = dataURL.firstIndex(of: ","),
              dataURL[..<comma].hasSuffix(";base64") else { return nil }
        return Data(base64Encoded: String(dataURL[dataURL.index(after: comma)...]))
    }
}
