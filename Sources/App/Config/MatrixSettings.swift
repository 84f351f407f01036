import Foundation
import Store

/// One `[[matrix]]` table: a bot account on a Matrix homeserver, beside the IRC `[[networks]]`.
/// Its `name` is the network name the bridge routes by (tasks, limits, `!pending`).
public struct MatrixSettings: Sendable, Equatable {
    public var name: String
    /// The homeserver's client-server API base URL (`https://matrix.example.org`).
    public var homeserver: String
    /// The bot's full user id (`@mjbridge:example.org`); the homeserver must confirm it (whoami).
    public var userID: String
    /// A ready access token; else `password` logs in once and the store keeps the token and device.
    public var accessToken: Secret?
    public var password: Secret?
    /// Room ids or aliases joined at start (and kept wanted).
    public var rooms: [String] = []
    /// Matrix user ids of the bot's owners here; the homeserver authenticates them.
    public var owners: [String] = []
    /// Which invitations the bot follows (`invites`): from `owners` (the default), `anyone`, or `none`.
    public var invites: MatrixInvitePolicy = .owners
    /// `command_prefix`: the prefix of commands in this account's rooms (help and result hints
    /// show it there); nil = `[bot] command_prefix`, followed through reloads.
    public var commandPrefix: String?

    /// Reads every `[[matrix]]` table strictly (unknown keys, bad ids and a missing credential name their key).
    static func read(_ tables: [TableReader], environment: [String: String],
                     readFile: (String) -> String?) throws(ConfigError) -> [MatrixSettings] {
        var accounts: [MatrixSettings] = []
        for var t in tables {
            let name = try t.requiredString("name")
            let envPrefix = "MJBRIDGE_MATRIX_" + String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }) + "_"
            let homeserver = try t.requiredString("homeserver")
            guard homeserver.hasPrefix("https://") || homeserver.hasPrefix("http://"), URL(string: homeserver)?.host != nil else {
                throw .invalidValue(key: t.key("homeserver"), reason: "must be an http:// or https:// URL")
            }
            let userID = try t.requiredString("user_id")
            guard userID.first == "@", TaskRoute.isMatrixIdentifier(userID) else {
                throw .invalidValue(key: t.key("user_id"), reason: "'\(userID)' is not a Matrix user id (@name:server)")
            }
            var settings = MatrixSettings(
                name: name, homeserver: homeserver, userID: userID,
                accessToken: try t.secret("access_token", env: envPrefix + "ACCESS_TOKEN", environment: environment, readFile: readFile),
                password: try t.secret("password", env: envPrefix + "PASSWORD", environment: environment, readFile: readFile))
            settings.rooms = try t.stringArray("rooms")
            for (index, room) in settings.rooms.enumerated()
            where !((room.first == "!" || room.first == "#") && TaskRoute.isMatrixIdentifier(room)) {
                throw .invalidValue(key: "\(t.key("rooms"))[\(index)]", reason: "'\(room)' is not a room id (!id or !id:server) or alias (#name:server)")
            }
            settings.owners = try t.stringArray("owners")
            for (index, owner) in settings.owners.enumerated() where !(owner.first == "@" && TaskRoute.isMatrixIdentifier(owner)) {
                throw .invalidValue(key: "\(t.key("owners"))[\(index)]", reason: "'\(owner)' is not a Matrix user id (@name:server)")
            }
            settings.invites = MatrixInvitePolicy(rawValue: try t.oneOf("invites", MatrixInvitePolicy.allCases.map(\.rawValue),
                                                                       default: MatrixInvitePolicy.owners.rawValue)) ?? .owners
            if let prefix = try t.string("command_prefix") {
                // The rule of `[bot] command_prefix`.
                guard !prefix.isEmpty else { throw .invalidValue(key: t.key("command_prefix"), reason: "must not be empty") }
                settings.commandPrefix = prefix
            }
            try t.finish()
            if settings.accessToken == nil && settings.password == nil {
                throw .missingKey("\(t.key("access_token")) or \(t.key("password")) (or \(envPrefix)ACCESS_TOKEN / \(envPrefix)PASSWORD, or a *_file)")
            }
            accounts.append(settings)
        }
        return accounts
    }
}
