import Foundation
import Testing
@testable import IRC

@Suite struct SASLPayloadTests {
    @Test func emptyPayloadIsPlus() {
        #expect(SASLPayload.chunks(for: []) == ["+"])
    }

    @Test func shortPayloadIsOneChunk() {
        #expect(SASLPayload.chunks(for: Array("abc".utf8)) == ["YWJj"])
    }

    /// 300 raw bytes encode to exactly 400 base64 characters: the server cannot know the
    /// response ended, so a lone `+` must follow.
    @Test func exactly400BytesIsFollowedByPlus() {
        let chunks = SASLPayload.chunks(for: [UInt8](repeating: 0x41, count: 300))
        #expect(chunks.count == 2)
        #expect(chunks[0].utf8.count == 400)
        #expect(chunks[1] == "+")
    }

    @Test func oneByteMoreSpillsIntoASecondChunk() {
        let chunks = SASLPayload.chunks(for: [UInt8](repeating: 0x41, count: 301))
        #expect(chunks.map(\.utf8.count) == [400, 4])
    }

    @Test func twoFullChunksThenPlus() {
        let payload = (0..<600).map { UInt8($0 % 256) }
        let chunks = SASLPayload.chunks(for: payload)
        #expect(chunks.map(\.utf8.count) == [400, 400, 1])
        #expect(chunks.last == "+")
        #expect(Data(base64Encoded: chunks.dropLast().joined()) == Data(payload))
    }

    @Test func plainPayloadLayout() {
        #expect(SASLPayload.plain(account: "a", password: "p") == [0x61, 0, 0x61, 0, 0x70])
        #expect(SASLPayload.external(account: nil) == [])
    }

    /// A long PLAIN password goes through the machine in several AUTHENTICATE lines.
    @Test func longPasswordIsChunkedByTheMachine() {
        let password = String(repeating: "p", count: 290)  // "acct\0acct\0" + 290 = 300 bytes
        var machine = RegistrationStateMachine(configuration: RegistrationConfiguration(
            nick: "bot", sasl: .plain(account: "acct", password: password)))
        _ = machine.handle(.connected)
        _ = machine.handle(.received(Message("CAP", "*", "LS", "sasl")))
        _ = machine.handle(.received(Message("CAP", "*", "ACK", "sasl")))
        let actions = machine.handle(.received(Message("AUTHENTICATE", "+")))
        let lines = actions.compactMap { if case .send(let m) = $0 { m.params[0] } else { nil } }
        #expect(lines.count == 2)
        #expect(lines[0].utf8.count == 400)
        #expect(lines[1] == "+")
    }
}

@Suite struct NickFallbackTests {
    @Test func alternatesSkipDuplicatesOfPrimary() {
        var fallback = NickFallback(primary: "bot", alternates: ["bot", "", "alt"])
        #expect(fallback.first() == "bot")
        #expect(fallback.next(afterRefusing: "bot", erroneous: false) == "alt")
        #expect(fallback.next(afterRefusing: "alt", erroneous: false) == "bot_")
    }

    @Test func generatedNicksStopAfterLimit() {
        var fallback = NickFallback(primary: "bot", alternates: [], maxGenerated: 2)
        _ = fallback.first()
        #expect(fallback.next(afterRefusing: "bot", erroneous: false) == "bot_")
        #expect(fallback.next(afterRefusing: "bot_", erroneous: false) == "bot__")
        #expect(fallback.next(afterRefusing: "bot__", erroneous: false) == nil)
        #expect(fallback.tried == ["bot", "bot_", "bot__"])
    }

    /// 432 for `mjbridge_` when `mjbridge` was merely in use: the server's NICKLEN is 8.
    @Test func erroneousLongerNickTeachesNickLength() {
        var fallback = NickFallback(primary: "mjbridge", alternates: [])
        _ = fallback.first()
        #expect(fallback.next(afterRefusing: "mjbridge", erroneous: false) == "mjbridge_")
        #expect(fallback.next(afterRefusing: "mjbridge_", erroneous: true) == "mjbrid__")
        #expect(fallback.maxLength == 8)
    }
}

@Suite struct CapabilityListTests {
    @Test func valuesAndLists() {
        var list = CapabilityList(parsing: "sasl=PLAIN,EXTERNAL  server-time draft/x= ")
        #expect(list.contains("server-time"))
        #expect(list.value(of: "server-time") == nil)
        #expect(list.value(of: "draft/x") == "")
        #expect(list.listValue(of: "draft/x") == nil)
        #expect(list.listValue(of: "sasl") == ["PLAIN", "EXTERNAL"])
        list.remove("sasl")
        #expect(!list.contains("sasl"))
    }
}
