import Foundation
import Testing
@testable import IRC

/// A line from the test server; built by hand so these tests do not depend on the parser.
private func server(_ command: String, _ params: String...) -> RegistrationStateMachine.Event {
    .received(Message(source: Source(nick: "irc.test"), command: command, params: params))
}

private func sends(_ actions: [RegistrationAction]) -> [Message] {
    actions.compactMap { if case .send(let message) = $0 { message } else { nil } }
}

private func logs(_ actions: [RegistrationAction], _ level: LogLevel) -> [String] {
    actions.compactMap { if case .log(level, let text) = $0 { text } else { nil } }
}

private func base64(_ text: String) -> String {
    Data(text.utf8).base64EncodedString()
}

private let plain = RegistrationConfiguration(
    nick: "bot", alternateNicks: ["bot2"], username: "mj", realname: "mjbridge bot",
    sasl: .plain(account: "botacct", password: "s3cret")
)

/// Drives a machine through CAP LS/REQ/ACK up to the AUTHENTICATE exchange.
private func machineAtSASLPayload(_ configuration: RegistrationConfiguration) -> RegistrationStateMachine {
    var machine = RegistrationStateMachine(configuration: configuration)
    _ = machine.handle(.connected)
    _ = machine.handle(server("CAP", "*", "LS", "sasl=PLAIN,EXTERNAL server-time"))
    _ = machine.handle(server("CAP", "*", "ACK", "sasl server-time"))
    _ = machine.handle(server("AUTHENTICATE", "+"))
    return machine
}

@Suite struct RegistrationStateMachineTests {
    @Test func connectSendsCapLSThenNickAndUser() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(
            nick: "bot", username: "mj", realname: "mjbridge bot"))
        #expect(machine.handle(.connected) == [
            .send(Message("CAP", "LS", "302")),
            .send(Message("NICK", "bot")),
            .send(Message("USER", "mj", "0", "*", "mjbridge bot")),
        ])
        #expect(machine.handle(.connected) == [])
    }

    @Test func serverPasswordGoesBeforeNick() {
        var configuration = RegistrationConfiguration(nick: "bot", password: "pw")
        configuration.transport = .verifiedTLS
        var machine = RegistrationStateMachine(configuration: configuration)
        #expect(sends(machine.handle(.connected)).map(\.command) == ["CAP", "PASS", "NICK", "USER"])
    }

    @Test func multiLineLSIsCollectedBeforeRequesting() {
        var machine = RegistrationStateMachine(configuration: plain)
        _ = machine.handle(.connected)
        #expect(machine.handle(server("CAP", "*", "LS", "*", "multi-prefix away-notify foo=bar")) == [])
        let actions = machine.handle(server("CAP", "*", "LS", "sasl=PLAIN,EXTERNAL server-time chghost"))
        #expect(sends(actions) == [
            Message("CAP", "REQ", "sasl server-time multi-prefix away-notify chghost"),
        ])
        #expect(machine.offered.value(of: "foo") == "bar")
        #expect(machine.offered.listValue(of: "sasl") == ["PLAIN", "EXTERNAL"])
    }

    @Test func saslPlainSuccessPath() {
        var machine = RegistrationStateMachine(configuration: plain)
        _ = machine.handle(.connected)
        _ = machine.handle(server("CAP", "*", "LS", "sasl=PLAIN,EXTERNAL server-time"))
        let ack = machine.handle(server("CAP", "*", "ACK", "sasl server-time"))
        #expect(ack == [
            .capabilitiesChanged(["sasl", "server-time"]),
            .send(Message("AUTHENTICATE", "PLAIN")),
        ])
        #expect(machine.handle(server("AUTHENTICATE", "+")) == [
            .send(Message("AUTHENTICATE", base64("botacct\0botacct\0s3cret"))),
        ])
        let loggedIn = machine.handle(server("900", "bot", "bot!mj@host.test", "botacct", "You are now logged in"))
        #expect(loggedIn.first == .loggedIn(account: "botacct", mask: "bot!mj@host.test"))
        #expect(machine.account == "botacct")
        #expect(sends(machine.handle(server("903", "bot", "SASL authentication successful"))) == [
            Message("CAP", "END"),
        ])
        #expect(machine.handle(server("001", "bot", "Welcome")) == [.registered(nick: "bot")])
        #expect(machine.isRegistered)
    }

    @Test func secretsNeverReachTheLog() {
        var machine = machineAtSASLPayload(RegistrationConfiguration(
            nick: "bot", password: "serverpw", sasl: .plain(account: "botacct", password: "s3cret"),
            nickservPassword: "nspw"))
        var actions = machine.handle(server("904", "bot", "SASL authentication failed"))
        actions += machine.handle(server("001", "bot", "Welcome"))
        let text = actions.compactMap { if case .log(_, let t) = $0 { t } else { nil } }.joined()
        #expect(!text.contains("s3cret") && !text.contains("nspw") && !text.contains("serverpw"))
    }

    @Test func saslFailureNotRequiredContinuesAndFallsBackToNickServ() {
        var configuration = plain
        configuration.nickservPassword = "nspw"
        var machine = machineAtSASLPayload(configuration)
        let actions = machine.handle(server("904", "bot", "SASL authentication failed"))
        #expect(logs(actions, .error) == [
            "SASL PLAIN login as 'botacct' failed: SASL authentication failed; continuing without authentication",
        ])
        #expect(sends(actions) == [Message("CAP", "END")])
        #expect(machine.handle(server("001", "bot", "Welcome")) == [
            .registered(nick: "bot"),
            .log(.info, "identifying to NickServ as 'botacct'"),
            .send(Message("PRIVMSG", "NickServ", "IDENTIFY botacct nspw")),
        ])
    }

    @Test func saslFailureRequiredDisconnectsAndAsksForRetry() {
        var configuration = plain
        configuration.saslRequired = true
        var machine = machineAtSASLPayload(configuration)
        _ = machine.handle(server("908", "bot", "PLAIN,EXTERNAL", "are available SASL mechanisms"))
        let actions = machine.handle(server("904", "bot", "SASL authentication failed"))
        let failure = RegistrationFailure.saslFailed(
            mechanism: "PLAIN", account: "botacct",
            serverText: "SASL authentication failed (server mechanisms: PLAIN,EXTERNAL)")
        #expect(actions == [
            .log(.error, "\(failure); SASL is required, disconnecting"),
            .disconnect(failure, retry: true),
        ])
        #expect(sends(actions).isEmpty)
        // The connection is finished: later lines change nothing.
        #expect(machine.handle(server("001", "bot", "Welcome")) == [])
        #expect(!machine.isRegistered)
    }

    @Test func payloadTooLongIsAFailure() {
        var machine = machineAtSASLPayload(plain)
        let actions = machine.handle(server("905", "bot", "SASL message too long"))
        #expect(sends(actions) == [Message("CAP", "END")])
        #expect(logs(actions, .error).first?.contains("SASL message too long") == true)
    }

    @Test func unexpectedChallengeIsAbortedAnd906Handled() {
        var machine = RegistrationStateMachine(configuration: plain)
        _ = machine.handle(.connected)
        _ = machine.handle(server("CAP", "*", "LS", "sasl"))
        _ = machine.handle(server("CAP", "*", "ACK", "sasl"))
        let abort = machine.handle(server("AUTHENTICATE", "Y2hhbGxlbmdl"))
        #expect(sends(abort) == [Message("AUTHENTICATE", "*")])
        let aborted = machine.handle(server("906", "bot", "SASL authentication aborted"))
        #expect(sends(aborted) == [Message("CAP", "END")])
        #expect(logs(aborted, .error).first?.contains("aborted") == true)
    }

    @Test func alreadyAuthenticatedEndsNegotiation() {
        var machine = RegistrationStateMachine(configuration: plain)
        _ = machine.handle(.connected)
        _ = machine.handle(server("CAP", "*", "LS", "sasl"))
        _ = machine.handle(server("CAP", "*", "ACK", "sasl"))
        #expect(sends(machine.handle(server("907", "bot", "You have already authenticated"))) == [
            Message("CAP", "END"),
        ])
    }

    @Test func saslExternalSendsEmptyResponse() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(
            nick: "bot", sasl: .external(), saslRequired: true))
        _ = machine.handle(.connected)
        let request = machine.handle(server("CAP", "*", "LS", "sasl=EXTERNAL"))
        #expect(sends(request) == [Message("CAP", "REQ", "sasl")])
        #expect(sends(machine.handle(server("CAP", "*", "ACK", "sasl"))) == [Message("AUTHENTICATE", "EXTERNAL")])
        #expect(machine.handle(server("AUTHENTICATE", "+")) == [.send(Message("AUTHENTICATE", "+"))])
        _ = machine.handle(server("900", "bot", "bot!u@h", "certacct", "You are now logged in"))
        #expect(sends(machine.handle(server("903", "bot", "ok"))) == [Message("CAP", "END")])
        #expect(machine.account == "certacct")
    }

    @Test func saslExternalWithAuthorizationIdentity() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(
            nick: "bot", sasl: .external(account: "acct")))
        _ = machine.handle(.connected)
        _ = machine.handle(server("CAP", "*", "LS", "sasl=EXTERNAL"))
        _ = machine.handle(server("CAP", "*", "ACK", "sasl"))
        #expect(machine.handle(server("AUTHENTICATE", "+")) == [.send(Message("AUTHENTICATE", base64("acct")))])
    }

    @Test func saslNotOfferedAndRequiredDisconnects() {
        var configuration = plain
        configuration.saslRequired = true
        var machine = RegistrationStateMachine(configuration: configuration)
        _ = machine.handle(.connected)
        let actions = machine.handle(server("CAP", "*", "LS", "server-time"))
        #expect(actions.last == .disconnect(.saslUnavailable(mechanism: "PLAIN", offered: nil), retry: true))
        #expect(sends(actions).isEmpty)
    }

    @Test func saslNotOfferedAndOptionalContinuesWithOtherCaps() {
        var configuration = plain
        configuration.nickservPassword = "nspw"
        var machine = RegistrationStateMachine(configuration: configuration)
        _ = machine.handle(.connected)
        let listed = machine.handle(server("CAP", "*", "LS", "server-time"))
        #expect(logs(listed, .warning) == [
            "the server does not offer SASL, so the SASL PLAIN login cannot happen; continuing without authentication",
        ])
        #expect(sends(listed) == [Message("CAP", "REQ", "server-time")])
        #expect(sends(machine.handle(server("CAP", "*", "ACK", "server-time"))) == [Message("CAP", "END")])
        let welcome = machine.handle(server("001", "bot", "Welcome"))
        #expect(sends(welcome) == [Message("PRIVMSG", "NickServ", "IDENTIFY botacct nspw")])
    }

    @Test func mechanismNotOfferedFollowsPolicy() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(
            nick: "bot", sasl: .external(), saslRequired: true))
        _ = machine.handle(.connected)
        // Not listed, still requested and tried: the server's answer names its mechanisms.
        let listed = machine.handle(server("CAP", "*", "LS", "sasl=PLAIN server-time"))
        #expect(sends(listed) == [Message("CAP", "REQ", "sasl server-time")])
        #expect(logs(listed, .notice) == ["the server lists SASL mechanisms PLAIN, not EXTERNAL; trying EXTERNAL anyway"])
        #expect(sends(machine.handle(server("CAP", "*", "ACK", "sasl server-time"))) == [Message("AUTHENTICATE", "EXTERNAL")])
        #expect(machine.handle(server("908", "bot", "PLAIN", "are available SASL mechanisms")) == [])
        let actions = machine.handle(server("904", "bot", "SASL authentication failed"))
        let failure = RegistrationFailure.saslFailed(
            mechanism: "EXTERNAL", account: nil, serverText: "SASL authentication failed (server mechanisms: PLAIN)")
        #expect(actions.last == .disconnect(failure, retry: true))
        #expect(failure.description == "SASL EXTERNAL login failed: SASL authentication failed (server mechanisms: PLAIN)")
    }

    @Test func plainConfiguredButOnlyExternalListedFollowsSASLRequiredFalse() {
        var machine = RegistrationStateMachine(configuration: plain)
        _ = machine.handle(.connected)
        #expect(sends(machine.handle(server("CAP", "*", "LS", "sasl=EXTERNAL server-time"))) == [Message("CAP", "REQ", "sasl server-time")])
        #expect(sends(machine.handle(server("CAP", "*", "ACK", "sasl server-time"))) == [Message("AUTHENTICATE", "PLAIN")])
        // A server without 908: the CAP list still names what it offers.
        let actions = machine.handle(server("904", "bot", "SASL authentication failed"))
        #expect(sends(actions) == [Message("CAP", "END")])
        #expect(logs(actions, .error) == [
            "SASL PLAIN login as 'botacct' failed: SASL authentication failed (server mechanisms: EXTERNAL); continuing without authentication",
        ])
    }

    @Test func mechanismNotListedOptionalStillTriesItThenGoesOn() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(
            nick: "bot", sasl: .external()))
        _ = machine.handle(.connected)
        let actions = machine.handle(server("CAP", "*", "LS", "sasl=PLAIN server-time"))
        #expect(sends(actions) == [Message("CAP", "REQ", "sasl server-time")])
        #expect(sends(machine.handle(server("CAP", "*", "ACK", "sasl server-time"))) == [Message("AUTHENTICATE", "EXTERNAL")])
        #expect(sends(machine.handle(server("904", "bot", "SASL authentication failed"))) == [Message("CAP", "END")])
    }

    @Test func saslRefusedByNAKFollowsPolicy() {
        var configuration = plain
        configuration.saslRequired = true
        var machine = RegistrationStateMachine(configuration: configuration)
        _ = machine.handle(.connected)
        _ = machine.handle(server("CAP", "*", "LS", "sasl"))
        let actions = machine.handle(server("CAP", "*", "NAK", "sasl"))
        #expect(actions.last == .disconnect(.saslUnavailable(mechanism: "PLAIN", offered: nil), retry: true))
    }

    @Test func nakOfSeveralRetriesEachAlone() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot"))
        _ = machine.handle(.connected)
        _ = machine.handle(server("CAP", "*", "LS", "server-time batch"))
        let retry = machine.handle(server("CAP", "*", "NAK", "server-time batch"))
        #expect(sends(retry) == [Message("CAP", "REQ", "server-time"), Message("CAP", "REQ", "batch")])
        #expect(sends(machine.handle(server("CAP", "*", "NAK", "server-time"))).isEmpty)
        let ack = machine.handle(server("CAP", "*", "ACK", "batch"))
        #expect(ack == [.capabilitiesChanged(["batch"]), .send(Message("CAP", "END"))])
    }

    @Test func noWantedCapabilitiesEndsAtOnce() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot"))
        _ = machine.handle(.connected)
        #expect(sends(machine.handle(server("CAP", "*", "LS", "userhost-in-names"))) == [Message("CAP", "END")])
    }

    @Test func bareSaslCapabilityIsTried() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(
            nick: "bot", sasl: .external()))
        _ = machine.handle(.connected)
        #expect(sends(machine.handle(server("CAP", "*", "LS", "sasl"))) == [Message("CAP", "REQ", "sasl")])
    }

    @Test func welcomeWithoutCapabilityNegotiation() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot"))
        _ = machine.handle(.connected)
        #expect(machine.handle(server("001", "bot", "Welcome")) == [.registered(nick: "bot")])
        #expect(!machine.serverSupportsCapabilities)
    }

    @Test func welcomeWithoutCapabilityNegotiationButSASLRequired() {
        var configuration = plain
        configuration.saslRequired = true
        var machine = RegistrationStateMachine(configuration: configuration)
        _ = machine.handle(.connected)
        let actions = machine.handle(server("001", "bot", "Welcome"))
        #expect(actions.last == .disconnect(.saslUnavailable(mechanism: "PLAIN", offered: nil), retry: true))
        #expect(!machine.isRegistered)
    }

    @Test func unknownCapCommandMeansNoCapSupport() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot"))
        _ = machine.handle(.connected)
        let actions = machine.handle(server("421", "*", "CAP", "Unknown command"))
        #expect(sends(actions).isEmpty)
        #expect(!machine.serverSupportsCapabilities)
        #expect(machine.handle(server("001", "bot", "Welcome")) == [.registered(nick: "bot")])
    }

    @Test func welcomeRecordsTheNickTheServerGaveUs() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot"))
        _ = machine.handle(.connected)
        #expect(machine.handle(server("001", "Bot", "Welcome")) == [.registered(nick: "Bot")])
        #expect(machine.nick == "Bot")
    }

    @Test(arguments: ["433", "436", "437"])
    func refusedNickTriesAlternatesThenUnderscores(numeric: String) {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(
            nick: "bot", alternateNicks: ["bot2"]))
        _ = machine.handle(.connected)
        #expect(sends(machine.handle(server(numeric, "*", "bot", "Nickname is already in use"))) == [
            Message("NICK", "bot2"),
        ])
        #expect(sends(machine.handle(server(numeric, "*", "bot2", "Nickname is already in use"))) == [
            Message("NICK", "bot_"),
        ])
        #expect(sends(machine.handle(server(numeric, "*", "bot_", "Nickname is already in use"))) == [
            Message("NICK", "bot__"),
        ])
        #expect(machine.handle(server("001", "bot__", "Welcome")) == [.registered(nick: "bot__")])
    }

    /// 432 (erroneous) for our own nick moves on like "in use"; for a generated nick that is
    /// longer than the primary it means NICKLEN was exceeded, so the next one is shorter.
    @Test func erroneousNickMovesOnAndShortens() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(
            nick: "bot", alternateNicks: ["bot2"]))
        _ = machine.handle(.connected)
        #expect(sends(machine.handle(server("432", "*", "bot", "Erroneous Nickname"))) == [Message("NICK", "bot2")])
        #expect(sends(machine.handle(server("433", "*", "bot2", "in use"))) == [Message("NICK", "bot_")])
        #expect(sends(machine.handle(server("432", "*", "bot_", "Erroneous Nickname"))) == [Message("NICK", "b__")])
    }

    @Test func fallbackNicksRespectKnownNickLength() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(
            nick: "mjbridge", maxNickLength: 9))
        _ = machine.handle(.connected)
        #expect(sends(machine.handle(server("433", "*", "mjbridge", "in use"))) == [Message("NICK", "mjbridge_")])
        #expect(sends(machine.handle(server("433", "*", "mjbridge_", "in use"))) == [Message("NICK", "mjbridg__")])
    }

    @Test func nickRefusedAfterRegistrationIsNotOurs() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot"))
        _ = machine.handle(.connected)
        _ = machine.handle(server("001", "bot", "Welcome"))
        #expect(machine.handle(server("433", "bot", "other", "in use")) == [])
    }

    @Test func runningOutOfNicksDisconnects() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "b", maxNickLength: 2))
        _ = machine.handle(.connected)
        #expect(sends(machine.handle(server("433", "*", "b", "in use"))) == [Message("NICK", "b_")])
        let actions = machine.handle(server("433", "*", "b_", "in use"))
        #expect(actions == [.disconnect(.nicknamesExhausted(tried: ["b", "b_"]), retry: true)])
    }

    @Test func capNotifyAfterRegistration() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot"))
        _ = machine.handle(.connected)
        _ = machine.handle(server("CAP", "*", "LS", "cap-notify server-time"))
        _ = machine.handle(server("CAP", "*", "ACK", "cap-notify server-time"))
        _ = machine.handle(server("001", "bot", "Welcome"))

        let new = machine.handle(server("CAP", "bot", "NEW", "away-notify sasl=PLAIN unknown-cap"))
        #expect(sends(new) == [Message("CAP", "REQ", "away-notify")])
        #expect(machine.handle(server("CAP", "bot", "ACK", "away-notify")) == [
            .capabilitiesChanged(["cap-notify", "server-time", "away-notify"]),
        ])
        let deleted = machine.handle(server("CAP", "bot", "DEL", "server-time"))
        #expect(deleted.last == .capabilitiesChanged(["cap-notify", "away-notify"]))
        #expect(!machine.offered.contains("server-time"))
        #expect(machine.handle(server("CAP", "bot", "DEL", "never-enabled")) == [])
        // Re-offering something we already have enabled asks for nothing.
        #expect(machine.handle(server("CAP", "bot", "NEW", "away-notify")) == [])
    }

    @Test func ackWithDisablePrefixRemoves() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot"))
        _ = machine.handle(.connected)
        _ = machine.handle(server("CAP", "*", "LS", "batch"))
        _ = machine.handle(server("CAP", "*", "ACK", "batch"))
        #expect(machine.handle(server("CAP", "*", "ACK", "-batch")).first == .capabilitiesChanged([]))
    }

    @Test func timeoutBeforeWelcomeDisconnects() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot"))
        _ = machine.handle(.connected)
        #expect(machine.handle(.timedOut) == [.disconnect(.timedOut, retry: true)])
        #expect(machine.handle(server("001", "bot", "Welcome")) == [])
    }

    @Test func timeoutAfterWelcomeIsIgnored() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot"))
        _ = machine.handle(.connected)
        _ = machine.handle(server("001", "bot", "Welcome"))
        #expect(machine.handle(.timedOut) == [])
    }

    @Test func wrongServerPasswordAndBanDisconnect() {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot", password: "x"))
        _ = machine.handle(.connected)
        #expect(machine.handle(server("464", "*", "Password incorrect")) == [
            .disconnect(.passwordRejected(serverText: "Password incorrect"), retry: true),
        ])
        var banned = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot"))
        _ = banned.handle(.connected)
        #expect(banned.handle(server("465", "*", "You are banned")) == [
            .disconnect(.banned(serverText: "You are banned"), retry: true),
        ])
    }

    @Test func authenticateOutsideSASLIsIgnored() {
        var machine = RegistrationStateMachine(configuration: plain)
        _ = machine.handle(.connected)
        #expect(machine.handle(server("AUTHENTICATE", "+")) == [])
        #expect(machine.handle(server("903", "bot", "ok")) == [])
    }
}
