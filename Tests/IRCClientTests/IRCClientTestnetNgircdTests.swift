import Foundation
import IRC
import Testing
@testable import IRCClient
import TestnetSupport

/// What only the ngIRCd network shows: a server without services (no SASL, no accounts),
/// `CAP LS` answered without IRCv3 3.2 values and with `multi-prefix` alone, no echo-message or
/// labeled-response (so sends are confirmed by the PING barrier). Part of the testnet suite,
/// whose trait starts an ngIRCd next to InspIRCd; `Scripts/testnet/README.md` lists the quirks.
extension IRCClientTestnetTests {
    /// A client that logs every level into a list, so a test can read what an operator would.
    func startedLogging(_ configuration: IRCConnectionConfiguration) async -> (IRCConnection, EventLog, RedactionLogCapture) {
        let capture = RedactionLogCapture()
        let client = IRCConnection(configuration: configuration, logger: capture.logger, random: SeededGenerator(state: 11))
        let log = EventLog(client)
        await client.start()
        return (client, log, capture)
    }

    @Test func ngircdRegistersWithoutSASLAndConfirmsByPingBarrier() async throws {
        let net = try Testnet.require(.ngircd)
        let nick = uniqueName("plainreg")
        let (client, log, capture) = await startedLogging(configuration(net, nick: nick))
        let registered = try await log.expect("registered") { if case .registered = $0 { true } else { false } }
        #expect(registered == .registered(nick: nick))
        #expect(await client.account == nil)
        // ngIRCd lists one capability, without values; nothing to confirm sends with but PING.
        #expect(capture.all.contains { $0.contains("server offers: multi-prefix") }, "\(capture.all.filter { $0.contains("offers") })")
        #expect(await client.confirmationMode == .barrier)
        #expect(!(await log.all).contains { if case .loggedIn = $0 { true } else { false } })
        await client.shutdown()
        _ = try await log.expect("stopped") { $0 == .stopped }
    }

    /// SASL configured, `sasl_required = false`: the bot goes on without an account and says so.
    @Test func ngircdSASLConfiguredButOptionalGoesOnUnidentifiedAndLogsWhy() async throws {
        let net = try Testnet.require(.ngircd)
        let nick = uniqueName("optsasl")
        let (client, log, capture) = await startedLogging(configuration(
            net, nick: nick, sasl: .plain(account: "mjbot", password: "never-sent"), saslRequired: false))
        _ = try await log.expect("registered") { $0 == .registered(nick: nick) }
        #expect(await client.account == nil)
        #expect(!(await log.all).contains { if case .loggedIn = $0 { true } else { false } })
        let warning = capture.all.first { $0.contains("continuing without authentication") }
        #expect(warning?.hasPrefix("warning the server does not offer SASL, so the SASL PLAIN login cannot happen") == true,
                "logged: \(capture.all.filter { $0.contains("SASL") })")
        #expect(!capture.all.contains { $0.contains("AUTHENTICATE") }, "no AUTHENTICATE without the sasl capability")
        await client.shutdown()
    }

    /// SASL configured, `sasl_required = true`: no registration, a reason that says what is
    /// missing, and a later retry (the server may gain services).
    @Test func ngircdSASLRequiredRefusesToRegisterWithAClearReason() async throws {
        let net = try Testnet.require(.ngircd)
        let nick = uniqueName("reqsasl")
        let (client, log, capture) = await startedLogging(configuration(
            net, nick: nick, sasl: .plain(account: "mjbot", password: "never-sent"), saslRequired: true))
        let event = try await log.expect("disconnected") { if case .disconnected = $0 { true } else { false } }
        guard case .disconnected(let reason, let retry) = event else { return }
        #expect(reason == "the server does not offer SASL, so the SASL PLAIN login cannot happen", "reason: \(reason)")
        #expect(retry != nil)
        #expect(capture.all.contains { $0.hasPrefix("error ") && $0.contains("SASL is required, disconnecting") })
        #expect(!(await log.all).contains { if case .registered = $0 { true } else { false } })
        await client.shutdown()
    }
}
