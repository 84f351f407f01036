import Foundation
import Testing
@testable import IRC

/// RFC 7677 §3 (SCRAM-SHA-256) and RFC 5802 §5 (SCRAM-SHA-1): user "user", password "pencil".
struct SCRAMVector: Sendable {
    let hash: SCRAMHash
    let clientNonce: String
    let clientFirst: String
    let serverFirst: String
    let clientFinal: String
    let serverFinal: String

    static let sha256 = SCRAMVector(
        hash: .sha256,
        clientNonce: "rOprNGfwEbeRWgbNEkqO",
        clientFirst: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
        serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        clientFinal: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
    )

    static let sha1 = SCRAMVector(
        hash: .sha1,
        clientNonce: "fyko+d2lbbFgONRv9qkxdawL",
        clientFirst: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
        serverFirst: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
        clientFinal: "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
        serverFinal: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="
    )

    func exchange(password: String = "pencil") -> SCRAMExchange {
        SCRAMExchange(hash: hash, username: "user", password: password, clientNonce: clientNonce)
    }
}

@Suite struct SCRAMExchangeTests {
    @Test(arguments: [SCRAMVector.sha256, SCRAMVector.sha1])
    func rfcVectorIsReproducedExactly(_ vector: SCRAMVector) throws {
        var exchange = vector.exchange()
        #expect(exchange.clientFirst() == vector.clientFirst)
        #expect(try exchange.clientFinal(serverFirst: vector.serverFirst) == vector.clientFinal)
        #expect(!exchange.isVerified)
        try exchange.verify(serverFinal: vector.serverFinal)
        #expect(exchange.isVerified)
        #expect(exchange.iterations == 4096)
    }

    @Test func wrongServerSignatureIsRefused() throws {
        var exchange = SCRAMVector.sha256.exchange()
        _ = exchange.clientFirst()
        _ = try exchange.clientFinal(serverFirst: SCRAMVector.sha256.serverFirst)
        // The SHA-1 vector's signature: well-formed, but not this server's.
        #expect(throws: SCRAMExchange.Failure.serverSignatureMismatch) {
            try exchange.verify(serverFinal: SCRAMVector.sha1.serverFinal)
        }
        #expect(!exchange.isVerified)
    }

    @Test func wrongPasswordGivesADifferentProofAndSignature() throws {
        var exchange = SCRAMVector.sha256.exchange(password: "pencils")
        _ = exchange.clientFirst()
        let final = try exchange.clientFinal(serverFirst: SCRAMVector.sha256.serverFirst)
        #expect(final.hasPrefix("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p="))
        #expect(final != SCRAMVector.sha256.clientFinal)
        #expect(throws: SCRAMExchange.Failure.serverSignatureMismatch) {
            try exchange.verify(serverFinal: SCRAMVector.sha256.serverFinal)
        }
    }

    @Test func serverErrorIsReported() throws {
        var exchange = SCRAMVector.sha256.exchange()
        _ = exchange.clientFirst()
        _ = try exchange.clientFinal(serverFirst: SCRAMVector.sha256.serverFirst)
        #expect(throws: SCRAMExchange.Failure.serverError("invalid-proof")) {
            try exchange.verify(serverFinal: "e=invalid-proof")
        }
    }

    @Test func serverNonceMustExtendOurs() {
        var exchange = SCRAMVector.sha256.exchange()
        _ = exchange.clientFirst()
        #expect(throws: SCRAMExchange.Failure.nonceMismatch) {
            try exchange.clientFinal(serverFirst: "r=someoneElsesNonce123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        }
        var echoed = SCRAMVector.sha256.exchange()
        _ = echoed.clientFirst()
        // The server must add its own part; an echo of ours alone is not a fresh exchange.
        #expect(throws: SCRAMExchange.Failure.nonceMismatch) {
            try echoed.clientFinal(serverFirst: "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        }
    }

    @Test func iterationCountsOutsideTheAcceptedRangeAreRefused() {
        for count in [0, 100_001] {
            var exchange = SCRAMVector.sha256.exchange()
            _ = exchange.clientFirst()
            #expect(throws: SCRAMExchange.Failure.iterationCount(count)) {
                try exchange.clientFinal(serverFirst: "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=\(count)")
            }
        }
    }

    @Test func malformedServerFirstIsRefused() {
        for bad in ["", "garbage", "s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOx,i=4096",
                    "m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                    "r=rOprNGfwEbeRWgbNEkqOx,s=!!!,i=4096", "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=many"] {
            var exchange = SCRAMVector.sha256.exchange()
            _ = exchange.clientFirst()
            #expect(throws: SCRAMExchange.Failure.self, "\(bad)") {
                try exchange.clientFinal(serverFirst: bad)
            }
        }
    }

    @Test func serverFinalBeforeServerFirstIsUnexpected() {
        var exchange = SCRAMVector.sha256.exchange()
        _ = exchange.clientFirst()
        #expect(throws: SCRAMExchange.Failure.unexpectedMessage) {
            try exchange.verify(serverFinal: SCRAMVector.sha256.serverFinal)
        }
    }

    @Test func usernameIsEscaped() {
        var exchange = SCRAMExchange(hash: .sha256, username: "a=b,c", password: "p", clientNonce: "abc")
        #expect(exchange.clientFirst() == "n,,n=a=3Db=2Cc,r=abc")
    }

    @Test func randomNoncesArePrintableAndDistinct() {
        let first = SCRAMExchange.randomNonce()
        let second = SCRAMExchange.randomNonce()
        #expect(first != second)
        #expect(first.utf8.count == 32)
        #expect(!first.contains(","))
        // The generator is injectable: the same seed gives the same nonce.
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
        #expect(SCRAMExchange.randomNonce(using: &a) == SCRAMExchange.randomNonce(using: &b))
    }
}
