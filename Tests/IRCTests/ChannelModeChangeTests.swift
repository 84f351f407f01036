import IRC
import Testing

@Suite struct ChannelModeChangeTests {
    private func support(_ tokens: String...) -> ISupport {
        var support = ISupport()
        for token in tokens { support.apply(token: token) }
        return support
    }

    @Test func parametersFollowPrefixAndChanmodes() {
        let net = support("CHANMODES=beI,k,l,imnpst", "PREFIX=(ov)@+")
        let changes = ChannelModeChange.parse(["#c", "+lkv-b+m-lo", "10", "key", "Bot", "*!*@h", "Dave"], support: net)
        #expect(changes == [
            .init(adding: true, mode: "l", parameter: "10"), .init(adding: true, mode: "k", parameter: "key"),
            .init(adding: true, mode: "v", parameter: "Bot"), .init(adding: false, mode: "b", parameter: "*!*@h"),
            .init(adding: true, mode: "m"), .init(adding: false, mode: "l"), .init(adding: false, mode: "o", parameter: "Dave"),
        ])
    }

    @Test func mayLetSpeakOnStatusForUsOrAnythingTakenOff() {
        let net = support("CHANMODES=beI,k,l,imnpst", "PREFIX=(qaohv)~&@%+")
        func lets(_ params: String...) -> Bool {
            ChannelModeChange.mayLetSpeak(ChannelModeChange.parse(params, support: net), nick: "Bot[1]", support: net)
        }
        #expect(lets("#c", "+v", "bot{1}"))
        #expect(lets("#c", "+h", "Bot[1]"))
        #expect(lets("#c", "-m"))
        #expect(lets("#c", "-b", "*!*@elsewhere"))
        #expect(!lets("#c", "+v", "Dave"))
        #expect(!lets("#c", "-v", "Bot[1]"))
        #expect(!lets("#c", "+mb", "*!*@h"))
        #expect(!lets("#c", "-o+v", "Dave", "Erin"))
    }
}
