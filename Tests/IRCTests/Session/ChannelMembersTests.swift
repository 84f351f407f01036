import Testing
@testable import IRC

private func line(_ command: String, _ params: String...) -> Message {
    Message(source: Source(nick: "irc.test"), command: command, params: params)
}

@Suite struct ChannelMembersTests {
    private var support: ISupport {
        var support = ISupport()
        support.apply(token: "PREFIX=(qaohv)~&@%+")
        return support
    }

    @Test func operatorsAreThoseRankedAtOrAboveOp() {
        var members = ChannelMembers(channel: "#Art")
        let first = members.handle(line("353", "bot", "=", "#art", "~Owner &Admin @Op"), caseMapping: .rfc1459)
        let second = members.handle(line("353", "bot", "=", "#art", "%Half +Voice Plain @+multi!u@h"), caseMapping: .rfc1459)
        let elsewhere = members.handle(line("353", "bot", "=", "#other", "@Intruder"), caseMapping: .rfc1459)
        #expect(first && second && !elsewhere)
        #expect(!members.isComplete)
        let end = members.handle(line("366", "bot", "#ART", "End of /NAMES list."), caseMapping: .rfc1459)
        #expect(end)
        #expect(members.isComplete)
        for nick in ["owner", "ADMIN", "op", "Multi"] { #expect(members.standing(of: nick, support: support) == .operator, "\(nick)") }
        for nick in ["half", "voice", "plain"] { #expect(members.standing(of: nick, support: support) == .member, "\(nick)") }
        #expect(members.standing(of: "intruder", support: support) == .absent)
    }

    @Test func anEmptyListMeansTheMembersAreHidden() {
        var members = ChannelMembers(channel: "#secret")
        members.handle(line("366", "bot", "#secret", "End of /NAMES list."), caseMapping: .rfc1459)
        #expect(members.isComplete)
        #expect(members.standing(of: "alice", support: ISupport()) == .hidden)
    }

    @Test func withoutOpInPrefixOnlyTheAtSignCounts() {
        var support = ISupport()
        support.apply(token: "PREFIX=(v)+")
        #expect(support.isOperatorOrHigher(symbols: "@"))
        #expect(!support.isOperatorOrHigher(symbols: "+"))
    }
}
