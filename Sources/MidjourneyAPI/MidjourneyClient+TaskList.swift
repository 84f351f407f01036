import Foundation

/// `GET /mj/task/list`: the proxy's own list of recent tasks, where the flavour has one
/// (novicezk: all tasks; trueai: the newest 100; gateways such as new-api do not relay it).
/// The bot reads it only to find jobs it submitted but never recorded, by their `state`.
extension MidjourneyClient {
    /// The tasks the proxy lists, or nil when this proxy cannot list (404/405, or an envelope
    /// saying so): the caller then has only callbacks to find an unrecorded job.
    public func listRecent() async throws(MJError) -> [MJTask]? {
        do throws(MJError) {
            return try await guarded { () async throws(MJError) -> [MJTask]? in
                let raw = try await read(.GET, "/task/list", body: nil)
                if raw.status == 404 || raw.status == 405 { return nil }
                if raw.status == 204 { return [] }
                guard let json = try Self.parse(raw.body) else { return [] }
                switch json {
                case .null:
                    return []
                case .array(let items):
                    // One odd entry must not hide the others.
                    return items.compactMap(MJTask.init(json:))
                default:
                    // An envelope instead of a list: this proxy (or gateway) does not offer it.
                    if SubmitResponse(json: json) != nil { return nil }
                    throw .decoding("task/list answered neither a list nor an error (\(MJError.snippet(of: raw.body)))")
                }
            }
        } catch {
            switch error {
            case .notFound, .httpStatus(404, _), .httpStatus(405, _): return nil
            default: throw error
            }
        }
    }
}
