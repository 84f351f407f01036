import IRC
import Testing
@testable import Bridge

/// Every kind of sender against every kind of list entry.
@Suite struct RoleResolverTests {
    static let resolver = RoleResolver(
        ownerAccounts: ["Root"], ownerMasks: [HostmaskPattern("*!~op@trusted.example")!],
        adminAccounts: ["helper"],
        ignores: [RoleResolver.Entry("spammer")!, RoleResolver.Entry("*!*@bad.example")!, RoleResolver.Entry("root")!,
                  RoleResolver.Entry("badadmin")!])

    static func event(nick: String = "x", account: String? = nil, verified: Bool = true, userHost: String? = "~u@home.example",
                      caseMapping: CaseMapping = .rfc1459, console: Bool = false) -> ChatEvent {
        ChatEvent(network: "n", target: .channel("#c"), sender: nick, account: account, text: "!x", isFromOwner: console,
                  accountVerified: verified, userHost: userHost, caseMapping: caseMapping)
    }

    @Test(arguments: [
        // (nick, account, verified, userHost, expected)
        ("anyone", nil, true, "~u@home.example", Role.user),
        ("root", nil, true, "~u@home.example", .user),                  // the owner's nick alone
        ("someone", "root", true, "~u@home.example", .owner),           // the owner's account, any nick
        ("someone", "ROOT", true, "~u@home.example", .owner),           // accounts fold
        ("someone", "root", false, "~u@home.example", .user),           // unverified account: not trusted
        ("someone", nil, true, "~op@trusted.example", .owner),          // owner mask
        ("someone", nil, true, "~op@TRUSTED.example", .owner),          // masks fold
        ("someone", nil, true, "~op@trusted.example.evil", .user),
        ("someone", nil, true, "~op@bad.example", .ignored),
        ("h", "helper", true, "~u@home.example", .admin),
        ("h", "helper", false, "~u@home.example", .user),               // unverified admin
        ("h", "helper", true, "~u@bad.example", .ignored),              // an ignored admin is ignored
        ("s", "spammer", true, "~u@home.example", .ignored),
        ("s", "Spammer", true, "~u@home.example", .ignored),
        ("s", "spammer", false, "~u@home.example", .user),              // unverified: the entry cannot apply
        ("owner-ignored", "root", true, "~u@bad.example", .owner),      // owners are never ignored
        ("nohost", nil, true, nil, .user),
    ] as [(String, String?, Bool, String?, Role)])
    func matrix(nick: String, account: String?, verified: Bool, userHost: String?, expected: Role) {
        #expect(Self.resolver.role(of: Self.event(nick: nick, account: account, verified: verified, userHost: userHost)) == expected)
    }

    @Test func theConsoleIsAnOwner() {
        #expect(Self.resolver.role(of: Self.event(console: true)) == .owner)
    }

    @Test func ownerMasksUseTheSendersCaseMapping() {
        let resolver = RoleResolver(ownerMasks: [HostmaskPattern("Boss[1]!*@*")!])
        #expect(resolver.role(of: Self.event(nick: "boss{1}", caseMapping: .rfc1459)) == .owner)
        #expect(resolver.role(of: Self.event(nick: "boss{1}", caseMapping: .ascii)) == .user)
        #expect(resolver.role(of: Self.event(nick: "BOSS[1]", caseMapping: .ascii)) == .owner)
    }

    @Test func entriesAreAccountsOrMasks() {
        #expect(RoleResolver.Entry("alice") == .account("alice"))
        #expect(RoleResolver.Entry("*@h") == .mask(HostmaskPattern("*!*@h")!))
        #expect(RoleResolver.Entry("Alice")?.key == RoleResolver.Entry("alice")?.key)
        #expect(RoleResolver.Entry("*!*@H")?.key == RoleResolver.Entry("*!*@h")?.key)
        #expect(RoleResolver.Entry("a b") == nil)
        #expect(RoleResolver.Entry("") == nil)
    }

    @Test func rolesAreOrdered() {
        #expect(Role.ignored < .user && Role.user < .admin && Role.admin < .owner)
    }
}

@Suite struct UserIdentityTests {
    @Test func theAccountWhenVerifiedElseTheMaskWithoutTheNick() {
        let base = RoleResolverTests.event(nick: "Alice", account: "AliceAcct", userHost: "~a@Home.example")
        #expect(UserIdentity(base) == UserIdentity(kind: .account, value: "AliceAcct", key: "account:aliceacct"))
        var unverified = base
        unverified.accountVerified = false
        #expect(UserIdentity(unverified) == UserIdentity(kind: .mask, value: "*!~a@Home.example", key: "mask:*!^a@home.example"), "rfc1459 folds ~ to ^")
        var renamed = unverified
        renamed.sender = "Alice_"
        #expect(UserIdentity(renamed).key == UserIdentity(unverified).key, "a new nick is the same user")
        var noAccount = base
        noAccount.account = nil
        #expect(UserIdentity(noAccount).kind == .mask)
        var console = noAccount
        console.userHost = nil
        #expect(UserIdentity(console) == UserIdentity(kind: .nick, value: "Alice", key: "nick:alice"))
        #expect(UserIdentity.mask(of: base) == "Alice!~a@Home.example")
        #expect(UserIdentity.mask(of: console) == "Alice")
    }

    @Test func masksFoldWithTheNetworksCaseMapping() {
        var a = RoleResolverTests.event(account: nil, userHost: "~x[1]@h")
        var b = RoleResolverTests.event(account: nil, userHost: "~X{1}@H")
        #expect(UserIdentity(a).key == UserIdentity(b).key)
        a.caseMapping = .ascii
        b.caseMapping = .ascii
        #expect(UserIdentity(a).key != UserIdentity(b).key)
    }
}
