/// Short task references: the shortest suffix of a proxy task id, at least four characters,
/// that no other recent task in the same conversation ends with. Proxy ids are millisecond
/// timestamps plus random digits, so the tail is what tells them apart.
public enum ShortReference {
    public static let minimumLength = 4

    public static func make(for id: String, among others: [String]) -> String {
        guard id.count > minimumLength else { return id }
        let rivals = others.filter { $0 != id }
        var length = minimumLength
        while length < id.count {
            let suffix = String(id.suffix(length))
            if !rivals.contains(where: { $0.hasSuffix(suffix) }) { return suffix }
            length += 1
        }
        return id
    }
}

/// What a task reference typed by a user points at.
public enum TaskReferenceResolution: Sendable, Hashable {
    case found(TaskRecord)
    /// Several recent tasks end with it, newest first.
    case ambiguous([TaskRecord])
    case notFound
}
