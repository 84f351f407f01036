import Foundation
import Store
import Testing
@testable import Bridge

@Suite struct TaskPrivacyTests {
    static let t0 = Date(timeIntervalSince1970: 0)

    static func task(network: String = "net", channel: String? = "#art", nick: String = "alice", account: String? = "alice") -> TaskRecord {
        TaskRecord(id: "1748339029401828", route: TaskRoute(network: network, channel: channel, nick: nick, account: account),
                   kind: "imagine", prompt: "a fox", status: "SUCCESS", statusRank: 4, createdAt: t0, deadline: t0)
    }

    static func caller(network: String = "net", channel: String? = "#art", nick: String = "alice", account: String? = "alice",
                       admin: Bool = false) -> TaskPrivacy {
        TaskPrivacy(caller: TaskRoute(network: network, channel: channel, nick: nick, account: account), isAdmin: admin)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var task: TaskRecord
        var caller: TaskPrivacy
        var sees: Bool
        var controls: Bool
        var testDescription: String { name }
    }

    static let matrix: [Case] = [
        // A channel task.
        Case(name: "owner, same channel", task: task(), caller: caller(), sees: true, controls: true),
        Case(name: "owner, channel name in other case", task: task(), caller: caller(channel: "#ART"), sees: true, controls: true),
        Case(name: "owner in private", task: task(), caller: caller(channel: nil), sees: true, controls: true),
        Case(name: "owner in another channel", task: task(), caller: caller(channel: "#other"), sees: false, controls: true),
        Case(name: "owner on another network", task: task(), caller: caller(network: "othernet"), sees: false, controls: false),
        Case(name: "someone else, same channel", task: task(), caller: caller(nick: "bob", account: "bob"), sees: true, controls: false),
        Case(name: "someone else, other channel", task: task(), caller: caller(channel: "#other", nick: "bob", account: "bob"),
             sees: false, controls: false),
        Case(name: "someone else in private", task: task(), caller: caller(channel: nil, nick: "bob", account: "bob"),
             sees: false, controls: false),
        Case(name: "owner's nick without the account, same channel", task: task(), caller: caller(account: nil),
             sees: true, controls: false),
        Case(name: "owner's nick without the account, in private", task: task(), caller: caller(channel: nil, account: nil),
             sees: false, controls: false),
        Case(name: "owner's nick, other account, in private", task: task(), caller: caller(channel: nil, account: "mallory"),
             sees: false, controls: false),
        Case(name: "owner's account under another nick, in private", task: task(), caller: caller(channel: nil, nick: "al_", account: "ALICE"),
             sees: true, controls: true),
        Case(name: "admin anywhere", task: task(), caller: caller(network: "othernet", channel: "#x", nick: "root", account: "root", admin: true),
             sees: true, controls: true),
        // A private task.
        Case(name: "private task, its owner in private", task: task(channel: nil), caller: caller(channel: nil), sees: true, controls: true),
        Case(name: "private task, its owner in a channel", task: task(channel: nil), caller: caller(), sees: false, controls: true),
        Case(name: "private task, someone else in private", task: task(channel: nil), caller: caller(channel: nil, nick: "bob", account: "bob"),
             sees: false, controls: false),
        Case(name: "private task, the nick without the account", task: task(channel: nil), caller: caller(channel: nil, account: nil),
             sees: false, controls: false),
        Case(name: "private task, admin", task: task(channel: nil), caller: caller(channel: "#x", nick: "root", account: "root", admin: true),
             sees: true, controls: true),
        // A task started without an account: the nick is all that was known.
        Case(name: "no account, same nick in private", task: task(channel: nil, account: nil), caller: caller(channel: nil, nick: "ALICE", account: nil),
             sees: true, controls: true),
        Case(name: "no account, other nick in private", task: task(channel: nil, account: nil), caller: caller(channel: nil, nick: "bob", account: nil),
             sees: false, controls: false),
        Case(name: "no account, other nick in the channel", task: task(account: nil), caller: caller(nick: "bob", account: nil),
             sees: true, controls: false),
    ]

    @Test(arguments: matrix) func rule(_ c: Case) {
        #expect(c.caller.maySee(c.task) == c.sees, "sees")
        #expect(c.caller.mayControl(c.task) == c.controls, "controls")
    }

    /// Without an account, a task started by `*!~al@host.example` belongs to that mask: a nick
    /// change keeps it, someone else taking the nick does not get it.
    @Test func aTaskWithoutAccountBelongsToItsMask() {
        var owned = Self.task(account: nil)
        owned.userKey = "*!~al@host.example"
        let renamed = TaskPrivacy(caller: TaskRoute(network: "net", channel: "#art", nick: "alice_away", account: nil),
                                  isAdmin: false, callerKey: "*!~al@host.example")
        let impostor = TaskPrivacy(caller: TaskRoute(network: "net", channel: "#art", nick: "alice", account: nil),
                                   isAdmin: false, callerKey: "*!~mallory@evil.example")
        #expect(renamed.mayControl(owned))
        #expect(!impostor.mayControl(owned))
        #expect(impostor.maySee(owned), "still visible in its channel")
    }
}
