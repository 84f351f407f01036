import App
import Foundation
import IRC
import PostgresTestSupport
import Testing
import TestnetSupport
#if canImport(Glibc)
import Glibc
#endif

/// Two real `mjbridge run` processes on one real PostgreSQL and the real InspIRCd + Atheme: a
/// channel the owner has the holder `!join` after the standby started is joined by the standby
/// when it takes the network over (it reads the channel decisions from the database at the
/// takeover, not from what it read at its own start). The Matrix side of this is
/// `MatrixOwnershipOnSynapseTests.theNewHolderGoesByTheRoomsJoinedAndLeftFromChatMeanwhile`.
@Suite(.serialized, .timeLimit(.minutes(10)),
       .enabled(if: !Testnet.skipRequested && !PostgresTestServer.skipRequested, Testnet.skipReason), .testnet)
struct ChannelsAcrossTakeoverOnTestnetTests {
    @Test func aChannelJoinedFromChatOnTheHolderIsJoinedByTheStandbyThatTakesOver() async throws {
        let net = try Testnet.require()
        let harness = try await BotHarness.make(net)
        let database = try await PostgresTestServer.shared.freshDatabase()
        let store = try await OwnershipOnTestnetTests.openStore(database)
        let portB = try await freePort()
        func config(_ port: Int) throws -> String {
            try OwnershipOnTestnetTests.config(harness, database: database, port: port, callbackPort: harness.httpPort)
                .replacingOccurrences(of: "owners = [\"\(net.botAccount)-owner\"]", with: "owners = [\"\(net.ownerAccount)\"]")
        }
        var a: ChildProcess?
        var b: ChildProcess?
        var finished = false
        try await withCleanup {
            let owner = try await TestPeer.connect(to: net)
            try await owner.register(nick: net.ownerAccount)
            try await owner.identify(account: net.ownerAccount, password: net.ownerPassword)
            let me = net.ownerAccount
            await owner.send("JOIN \(harness.channel)")
            _ = try await owner.expect("own JOIN of \(harness.channel)") { $0.command == "JOIN" && $0.source?.nick == me }
            let other = "#" + uniqueName("tko")
            await owner.send("JOIN \(other)")
            _ = try await owner.expect("own JOIN of \(other)") { $0.command == "JOIN" && $0.source?.nick == me }

            a = try OwnershipOnTestnetTests.start(harness, "a", text: try config(harness.httpPort))
            let pidA = Int(try #require(a?.pid))
            _ = try await owner.expect("the bot joining", timeout: .seconds(90)) {
                $0.command == "JOIN" && $0.source?.nick == harness.nick && $0.params.first == harness.channel
            }
            _ = try await eventually("a holding testnet") { try await OwnershipOnTestnetTests.holdings(store)[pidA] == ["testnet"] ? true : nil }
            b = try OwnershipOnTestnetTests.start(harness, "b", text: try config(portB))
            let pidB = Int(try #require(b?.pid))
            _ = try await eventually("b standing by", timeout: .seconds(60)) {
                try await OwnershipOnTestnetTests.holdings(store)[pidB] == [] ? true : nil
            }

            // b has started (and read the channel decisions: none); now the owner has a join `other`.
            await owner.send("PRIVMSG \(harness.channel) :!join \(other)")
            _ = try await owner.expect("the bot joining \(other)", timeout: .seconds(60)) {
                $0.command == "JOIN" && $0.source?.nick == harness.nick && $0.params.first == other
            }
            // Said after the decision is in the database (the JOIN goes out before it is noted).
            _ = try await owner.said(by: harness.nick, "the join confirmation") { $0.contains("Joining \(other); I'll rejoin it") }
            a?.signal(SIGKILL)
            _ = await a?.wait()
            _ = try await owner.expect("the bot quitting", timeout: .seconds(60)) { $0.command == "QUIT" && $0.source?.nick == harness.nick }
            _ = try await eventually("b holding testnet", timeout: .seconds(60)) {
                try await OwnershipOnTestnetTests.holdings(store)[pidB] == ["testnet"] ? true : nil
            }
            _ = try await owner.expect("b joining \(harness.channel)", timeout: .seconds(90)) {
                $0.command == "JOIN" && $0.source?.nick == harness.nick && $0.params.first == harness.channel
            }
            _ = try await owner.expect("b joining \(other), joined from chat on a", timeout: .seconds(60)) {
                $0.command == "JOIN" && $0.source?.nick == harness.nick && $0.params.first == other
            }
            finished = true
        } cleanup: {
            if !finished {
                for case let process? in [a, b] { print("--- \(process.logPath):\n\(process.log.suffix(5000))") }
            }
            await OwnershipOnTestnetTests.killAll([a, b])
            await store.close()
            await harness.cleanUp()
        }
    }
}
