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
