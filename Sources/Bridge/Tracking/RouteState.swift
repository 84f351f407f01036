import Foundation
import Store

/// The compact route the bot puts in a task's `state` field, so a result can still be routed
/// when the task is missing from the store (e.g. the bot crashed between the proxy accepting
/// the task and the store recording it). It is a routing hint only, never a permission: the
/// callback endpoint is authenticated by its path secret, not by this.
///
/// Format: `mjb1 <network> <channel or -> <nick>`, fields percent-encoded for space and `%`;
/// well under the 255 characters TrueAI allows.
public enum RouteState {
    static let tag = "mjb1"

    public static func encode(_ route: TaskRoute) -> String {
        [tag, escape(route.network), route.channel.map(escape) ?? "-", escape(route.nick)].joined(separator: " ")
    }

    public static func decode(_ state: String?) -> TaskRoute? {
        guard let state, state.count <= 255 else { return nil }
        let fields = state.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 4, fields[0] == tag,
              let network = unescape(fields[1]), let nick = unescape(fields[3]),
              !network.isEmpty, !nick.isEmpty else { return nil }
        let channel: String?
        if fields[2] == "-" {
            channel = nil
        } else {
            guard let decoded = unescape(fields[2]), !decoded.isEmpty else { return nil }
            channel = decoded
        }
        // The state came from outside: it must not be able to put a line break on the wire.
        let route = TaskRoute(network: network, channel: channel, nick: nick)
        let all = [route.network, route.channel ?? "", route.nick].joined()
        guard !all.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return nil }
        return route
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: " ", with: "%20")
    }

    private static func unescape(_ s: String) -> String? {
        s.removingPercentEncoding
    }
}
