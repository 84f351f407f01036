import Testing
@testable import IRC

private func server(_ command: String, _ params: String...) -> RegistrationStateMachine.Event {
    .received(Message(source: Source(nick: "irc.test"), command: command, params: params))
}

private func sends(_ actions: [RegistrationAction]) -> [Message] {
    actions.compactMap { if case .send(let message) = $0 { message } else { nil } }
}

/// IRCv3 STS during registration: upgrade from plain text before anything else is asked,
/// the policy to keep over verified TLS.
@Suite struct RegistrationSTSTests {
    private func machine(_ transport: STSPolicy.Transport) -> RegistrationStateMachine {
        var configuration = RegistrationConfiguration(nick: "bot", sasl: .plain(account: "acct", password: "pw"), saslRequired: true)
        configuration.transport = transport
        var machine = RegistrationStateMachine(configuration: configuration)
        _ = machine.handle(.connected)
        return machine
    }

    @Test func plainTextConnectionUpgradesBeforeRequestingAnything() {
        var machine = machine(.plain)
        _ = machine.handle(server("CAP", "*", "LS", "*", "sasl=PLAIN server-time"))
        let actions = machine.handle(server("CAP", "*", "LS", "sts=port=6697,duration=300 echo-message"))
        #expect(actions.contains(.upgradeToTLS(port: 6697)))
        // No CAP REQ, no AUTHENTICATE (the password stays off the plain wire), no CAP END.
        #expect(sends(actions).isEmpty)
        #expect(machine.handle(server("CAP", "*", "ACK", "sasl")) == [])
        #expect(!machine.isRegistered)
    }

    /// Review finding 4: the server password must not go out in clear before the server's CAP
    /// LS could say it requires TLS.
    @Test func serverPasswordWaitsForCapLSOnPlainText() {
        var configuration = RegistrationConfiguration(nick: "bot", password: "server-secret")
        configuration.transport = .plain
        var upgraded = RegistrationStateMachine(configuration: configuration)
        #expect(sends(upgraded.handle(.connected)) == [Message("CAP", "LS", "302")], "only CAP LS before the server answered")
        _ = upgraded.handle(server("CAP", "*", "LS", "*", "server-time"))
        let upgrade = upgraded.handle(server("CAP", "*", "LS", "sts=port=6697,duration=300"))
        #expect(upgrade.contains(.upgradeToTLS(port: 6697)))
        #expect(sends(upgrade).isEmpty, "no PASS on the plain connection STS leaves: \(upgrade)")

        // No STS: PASS, NICK, USER in that order once LS ended, before the CAP REQ.
        var carriesOn = RegistrationStateMachine(configuration: configuration)
        _ = carriesOn.handle(.connected)
        #expect(sends(carriesOn.handle(server("CAP", "*", "LS", "server-time"))) == [
            Message("PASS", "server-secret"), Message("NICK", "bot"), Message("USER", "bot", "0", "*", "bot"),
            Message("CAP", "REQ", "server-time"),
        ])

        // A server without CAP (421 or 451 to it) still gets them, once.
        for refusal in [server("421", "*", "CAP", "Unknown command"), server("451", "*", "You have not registered")] {
            var old = RegistrationStateMachine(configuration: configuration)
            _ = old.handle(.connected)
            #expect(sends(old.handle(refusal)).map(\.command) == ["PASS", "NICK", "USER"])
            #expect(sends(old.handle(server("451", "*", "You have not registered"))).isEmpty)
        }

        // Over TLS nothing waits.
        configuration.transport = .verifiedTLS
        var tls = RegistrationStateMachine(configuration: configuration)
        #expect(sends(tls.handle(.connected)).map(\.command) == ["CAP", "PASS", "NICK", "USER"])
    }

    @Test func plainTextWithoutAPortCarriesOn() {
        var machine = machine(.plain)
        let actions = machine.handle(server("CAP", "*", "LS", "sts=duration=300 sasl=PLAIN"))
        #expect(!actions.contains { if case .upgradeToTLS = $0 { true } else { false } })
        #expect(sends(actions) == [Message("CAP", "REQ", "sasl")])
    }

    @Test func verifiedTLSRemembersThePolicyAndRegistersAsUsual() {
        var machine = machine(.verifiedTLS)
        let actions = machine.handle(server("CAP", "*", "LS", "sts=port=6697,duration=86400,preload sasl=PLAIN"))
        #expect(actions.first == .rememberSTS(duration: 86400, preload: true))
        #expect(sends(actions) == [Message("CAP", "REQ", "sasl")])
        #expect(!sends(actions).contains { $0.params.last?.contains("sts") ?? false })
    }

    @Test func durationZeroForgetsAndUnverifiedTLSStoresNothing() {
        var tls = machine(.verifiedTLS)
        #expect(tls.handle(server("CAP", "*", "LS", "sts=duration=0")).contains(.forgetSTS))
        var unverified = machine(.unverifiedTLS)
        let actions = unverified.handle(server("CAP", "*", "LS", "sts=duration=300"))
        #expect(!actions.contains { if case .rememberSTS = $0 { true } else { false } })
        #expect(actions.contains { if case .log(.notice, let text) = $0 { text.contains("not stored") } else { false } })
    }

    @Test func policyAnnouncedLaterWithCapNewCountsToo() {
        var configuration = RegistrationConfiguration(nick: "bot")
        configuration.transport = .plain
        var machine = RegistrationStateMachine(configuration: configuration)
        _ = machine.handle(.connected)
        _ = machine.handle(server("CAP", "*", "LS", "server-time"))
        _ = machine.handle(server("CAP", "*", "ACK", "server-time"))
        _ = machine.handle(server("001", "bot", "Welcome"))
        #expect(machine.isRegistered)
        #expect(machine.handle(server("CAP", "bot", "NEW", "sts=port=7000")).contains(.upgradeToTLS(port: 7000)))
        #expect(!machine.isRegistered)
    }
}
