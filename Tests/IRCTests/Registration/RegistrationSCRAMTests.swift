import Foundation
import Testing
@testable import IRC

/// SASL SCRAM through the registration state machine, replaying the RFC 7677 server.
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

private func configuration(password: String = "pencil", required: Bool = true) -> RegistrationConfiguration {
    RegistrationConfiguration(nick: "bot", sasl: .scram(.sha256, account: "user", password: password), saslRequired: required)
}

/// Through CAP and `AUTHENTICATE SCRAM-SHA-256`; returns the machine and what it sent after `+`.
private func machineAfterClientFirst(
    _ configuration: RegistrationConfiguration, nonce: String = SCRAMVector.sha256.clientNonce
) -> (RegistrationStateMachine, [RegistrationAction]) {
    var machine = RegistrationStateMachine(configuration: configuration, nonce: { nonce })
    _ = machine.handle(.connected)
    #expect(sends(machine.handle(server("CAP", "*", "LS", "sasl=PLAIN,SCRAM-SHA-256 server-time"))) == [
        Message("CAP", "REQ", "sasl server-time"),
    ])
    #expect(sends(machine.handle(server("CAP", "*", "ACK", "sasl server-time"))) == [
        Message("AUTHENTICATE", "SCRAM-SHA-256"),
    ])
    let first = machine.handle(server("AUTHENTICATE", "+"))
    return (machine, first)
}

@Suite struct RegistrationSCRAMTests {
    @Test func fullExchangeSucceedsAndVerifiesTheServer() {
        let vector = SCRAMVector.sha256
        var (machine, first) = machineAfterClientFirst(configuration())
        #expect(first == [.send(Message("AUTHENTICATE", base64(vector.clientFirst)))])
        #expect(machine.handle(server("AUTHENTICATE", base64(vector.serverFirst))) == [
            .send(Message("AUTHENTICATE", base64(vector.clientFinal))),
        ])
        let verified = machine.handle(server("AUTHENTICATE", base64(vector.serverFinal)))
        #expect(sends(verified) == [Message("AUTHENTICATE", "+")])
        _ = machine.handle(server("900", "bot", "bot!u@h", "user", "You are now logged in as user"))
        #expect(sends(machine.handle(server("903", "bot", "SASL authentication successful"))) == [Message("CAP", "END")])
        #expect(machine.account == "user")
        #expect(machine.handle(server("001", "bot", "Welcome")).contains(.registered(nick: "bot")))
    }

    @Test func wrongServerSignatureAbortsAndDisconnectsWithAClearReason() {
        var (machine, _) = machineAfterClientFirst(configuration(required: false))
        _ = machine.handle(server("AUTHENTICATE", base64(SCRAMVector.sha256.serverFirst)))
        // Even with sasl_required = false: this server cannot prove it knows our password.
        let actions = machine.handle(server("AUTHENTICATE", base64(SCRAMVector.sha1.serverFinal)))
        let failure = RegistrationFailure.saslServerNotVerified(mechanism: "SCRAM-SHA-256", reason: "its signature is wrong")
        #expect(actions == [
            .send(Message("AUTHENTICATE", "*")),
            .log(.error, "\(failure); disconnecting"),
            .disconnect(failure, retry: true),
        ])
        #expect(failure.description.contains("did not prove it knows the password"))
        #expect(machine.handle(server("903", "bot", "SASL authentication successful")) == [])
        #expect(machine.handle(server("001", "bot", "Welcome")) == [])
    }

    @Test func successWithoutServerSignatureIsNotTrusted() {
        var (machine, _) = machineAfterClientFirst(configuration(required: false))
        _ = machine.handle(server("AUTHENTICATE", base64(SCRAMVector.sha256.serverFirst)))
        let actions = machine.handle(server("903", "bot", "SASL authentication successful"))
        #expect(actions.last == .disconnect(
            .saslServerNotVerified(mechanism: "SCRAM-SHA-256", reason: "the server reported success without proving it"),
            retry: true))
    }

    @Test func wrongPasswordGets904AndFollowsSASLRequired() {
        for required in [true, false] {
            var (machine, _) = machineAfterClientFirst(configuration(password: "wrong", required: required))
            let final = sends(machine.handle(server("AUTHENTICATE", base64(SCRAMVector.sha256.serverFirst))))
            #expect(final.count == 1 && final.first != Message("AUTHENTICATE", base64(SCRAMVector.sha256.clientFinal)))
            // A server that checks the proof answers e=invalid-proof, then 904.
            #expect(sends(machine.handle(server("AUTHENTICATE", base64("e=invalid-proof")))) == [Message("AUTHENTICATE", "*")])
            let failed = machine.handle(server("904", "bot", "SASL authentication failed"))
            let failure = RegistrationFailure.saslFailed(mechanism: "SCRAM-SHA-256", account: "user", serverText: "SASL authentication failed")
            if required {
                #expect(failed.last == .disconnect(failure, retry: true))
            } else {
                #expect(sends(failed) == [Message("CAP", "END")])
                #expect(logs(failed, .error) == ["\(failure); continuing without authentication"])
            }
        }
    }

    @Test func wrongNonceAbortsSoTheServerEndsTheExchange() {
        var (machine, _) = machineAfterClientFirst(configuration(), nonce: "anotherNonceEntirely")
        let actions = machine.handle(server("AUTHENTICATE", base64(SCRAMVector.sha256.serverFirst)))
        #expect(sends(actions) == [Message("AUTHENTICATE", "*")])
        #expect(logs(actions, .warning).first?.contains("nonce") == true)
        #expect(machine.handle(server("906", "bot", "SASL authentication aborted")).last
            == .disconnect(.saslFailed(mechanism: "SCRAM-SHA-256", account: "user", serverText: "SASL authentication aborted"), retry: true))
    }

    @Test func chunkedChallengesAreReassembledAndLongResponsesChunked() throws {
        // A server-first with an extension long enough to need two 400-byte chunks plus `+`.
        let vector = SCRAMVector.sha256
        let serverFirst = vector.serverFirst + ",x=" + String(repeating: "q", count: 511)
        let encoded = base64(serverFirst)
        #expect(encoded.utf8.count == 800)
        var expected = SCRAMExchange(hash: .sha256, username: "user", password: "pencil", clientNonce: vector.clientNonce)
        _ = expected.clientFirst()
        let clientFinal = try expected.clientFinal(serverFirst: serverFirst)

        var (machine, _) = machineAfterClientFirst(configuration())
        #expect(machine.handle(server("AUTHENTICATE", String(encoded.prefix(400)))) == [])
        #expect(machine.handle(server("AUTHENTICATE", String(encoded.dropFirst(400)))) == [])
        #expect(sends(machine.handle(server("AUTHENTICATE", "+"))) == [Message("AUTHENTICATE", base64(clientFinal))])
    }

    @Test func iterationCountBelowRFCMinimumIsLogged() {
        var (machine, _) = machineAfterClientFirst(configuration())
        let weak = "r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1000"
        let actions = machine.handle(server("AUTHENTICATE", base64(weak)))
        #expect(logs(actions, .notice) == ["the server's SCRAM-SHA-256 uses only 1000 iterations (RFC 7677 asks for 4096 or more)"])
        #expect(sends(actions).count == 1)
    }

    @Test func scramSHA1IsRequestedByName() {
        var machine = RegistrationStateMachine(
            configuration: RegistrationConfiguration(nick: "bot", sasl: .scram(.sha1, account: "user", password: "pencil")),
            nonce: { SCRAMVector.sha1.clientNonce })
        _ = machine.handle(.connected)
        _ = machine.handle(server("CAP", "*", "LS", "sasl=SCRAM-SHA-1"))
        #expect(sends(machine.handle(server("CAP", "*", "ACK", "sasl"))) == [Message("AUTHENTICATE", "SCRAM-SHA-1")])
        #expect(sends(machine.handle(server("AUTHENTICATE", "+"))) == [Message("AUTHENTICATE", base64(SCRAMVector.sha1.clientFirst))])
        #expect(sends(machine.handle(server("AUTHENTICATE", base64(SCRAMVector.sha1.serverFirst))))
            == [Message("AUTHENTICATE", base64(SCRAMVector.sha1.clientFinal))])
        #expect(sends(machine.handle(server("AUTHENTICATE", base64(SCRAMVector.sha1.serverFinal)))) == [Message("AUTHENTICATE", "+")])
    }
}

/// `sasl_mechanism = "auto"`: the strongest mechanism the server lists that the config satisfies.
@Suite struct RegistrationAutomaticSASLTests {
    private func requested(_ credentials: SASLCredentials, offering list: String) -> [Message] {
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(nick: "bot", sasl: credentials))
        _ = machine.handle(.connected)
        _ = machine.handle(server("CAP", "*", "LS", list))
        return sends(machine.handle(server("CAP", "*", "ACK", "sasl")))
    }

    @Test func certificateFirstThenSCRAMThenPlain() {
        let both = SASLCredentials.automatic(account: "acct", password: "pw", clientCertificate: true)
        let passwordOnly = SASLCredentials.automatic(account: "acct", password: "pw", clientCertificate: false)
        let certOnly = SASLCredentials.automatic(account: "acct", password: nil, clientCertificate: true)
        #expect(requested(both, offering: "sasl=PLAIN,SCRAM-SHA-256,EXTERNAL") == [Message("AUTHENTICATE", "EXTERNAL")])
        #expect(requested(passwordOnly, offering: "sasl=PLAIN,SCRAM-SHA-1,EXTERNAL,SCRAM-SHA-256") == [Message("AUTHENTICATE", "SCRAM-SHA-256")])
        #expect(requested(passwordOnly, offering: "sasl=PLAIN,SCRAM-SHA-1") == [Message("AUTHENTICATE", "SCRAM-SHA-1")])
        #expect(requested(passwordOnly, offering: "sasl=plain,EXTERNAL") == [Message("AUTHENTICATE", "PLAIN")])
        // A bare `sasl` lists nothing: the strongest we can do is tried.
        #expect(requested(passwordOnly, offering: "sasl") == [Message("AUTHENTICATE", "SCRAM-SHA-256")])
        // Nothing listed fits: still tried, so 908/904 name the server's mechanisms.
        #expect(requested(certOnly, offering: "sasl=PLAIN") == [Message("AUTHENTICATE", "EXTERNAL")])
    }

    @Test func chosenMechanismRunsItsExchangeAndIsLogged() {
        var machine = RegistrationStateMachine(
            configuration: RegistrationConfiguration(
                nick: "bot", sasl: .automatic(account: "user", password: "pencil", clientCertificate: false)),
            nonce: { SCRAMVector.sha256.clientNonce })
        _ = machine.handle(.connected)
        let listed = machine.handle(server("CAP", "*", "LS", "sasl=PLAIN,SCRAM-SHA-256"))
        #expect(logs(listed, .info) == ["SASL auto: using SCRAM-SHA-256"])
        _ = machine.handle(server("CAP", "*", "ACK", "sasl"))
        #expect(sends(machine.handle(server("AUTHENTICATE", "+"))) == [Message("AUTHENTICATE", base64(SCRAMVector.sha256.clientFirst))])
        #expect(sends(machine.handle(server("AUTHENTICATE", base64(SCRAMVector.sha256.serverFirst))))
            == [Message("AUTHENTICATE", base64(SCRAMVector.sha256.clientFinal))])
        let failed = machine.handle(server("904", "bot", "SASL authentication failed"))
        #expect(logs(failed, .error).first?.hasPrefix("SASL SCRAM-SHA-256 login as 'user' failed") == true)
    }
}
