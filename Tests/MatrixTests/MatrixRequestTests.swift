import Foundation
import Testing
@testable import Matrix

@Suite struct MatrixRequestTests {
    @Test func identifiersAreOnePathSegmentEach() {
        #expect(MatrixRequest.encode("!LSkw4HDeH-H_5YYkZsUAYeYVz5Ar2AfpwEvfv4l0DMc") == "%21LSkw4HDeH-H_5YYkZsUAYeYVz5Ar2AfpwEvfv4l0DMc")
        #expect(MatrixRequest.encode("#fox:mjbridge.test") == "%23fox%3Amjbridge.test")
        #expect(MatrixRequest.encode("a/b?c#d%e f") == "a%2Fb%3Fc%23d%25e%20f")
        #expect(MatrixRequest.encode("ü") == "%C3%BC")
    }

    @Test func send() {
        let request = MatrixRequest.send(roomID: "!r:x", eventType: "m.room.message", transactionID: "mjb1.1.00ff.0",
                                         content: ["msgtype": "m.notice", "body": "hi"])
        #expect(request.method == .put)
        #expect(request.pathAndQuery == "/_matrix/client/v3/rooms/%21r%3Ax/send/m.room.message/mjb1.1.00ff.0")
        #expect(request.body.map { String(decoding: $0, as: UTF8.self) } == #"{"body":"hi","msgtype":"m.notice"}"#)
        #expect(request.contentType == "application/json")
        #expect(request.requiresAuthentication)
    }

    @Test func syncWithFilterSinceAndTimeout() {
        let request = MatrixRequest.sync(filter: #"{"a":1}"#, since: "s1_2", timeout: .seconds(30))
        #expect(request.method == .get)
        #expect(request.pathAndQuery == "/_matrix/client/v3/sync?filter=%7B%22a%22%3A1%7D&since=s1_2&timeout=30000")
        #expect(request.timeout == .seconds(60))
        #expect(MatrixRequest.sync(filter: nil, since: nil, timeout: .milliseconds(1500), fullState: true).pathAndQuery
                == "/_matrix/client/v3/sync?timeout=1500&full_state=true")
    }

    @Test func theBotsFilterKeepsOnlyWhatItActsOn() throws {
        let filter = try MatrixJSON.parse(Data(SyncFilter.inline(timelineLimit: 20).utf8))
        #expect(filter["room"]?["timeline"]?["types"] == ["m.room.message", "m.room.member", "m.room.encryption", "m.room.encrypted"])
        #expect(filter["room"]?["timeline"]?["limit"] == 20)
        #expect(filter["presence"] == ["types": []])
        #expect(filter["room"]?["ephemeral"] == ["types": []])
    }

    @Test func loginNeedsNoTokenAndKeepsTheDevice() throws {
        let request = MatrixRequest.login(user: "mjbot", password: "pw", deviceID: "DEV")
        #expect(!request.requiresAuthentication)
        #expect(request.pathAndQuery == "/_matrix/client/v3/login")
        let body = try MatrixJSON.parse(try #require(request.body))
        #expect(body == ["type": "m.login.password", "identifier": ["type": "m.id.user", "user": "mjbot"], "password": "pw",
                         "device_id": "DEV", "initial_device_display_name": "mjbridge"])
    }

    @Test func joinUploadDownloadMessages() throws {
        #expect(MatrixRequest.join("#fox:x").pathAndQuery == "/_matrix/client/v3/join/%23fox%3Ax")
        #expect(MatrixRequest.leave("!r:x").pathAndQuery == "/_matrix/client/v3/rooms/%21r%3Ax/leave")
        let upload = MatrixRequest.upload(Data([1, 2, 3]), contentType: "image/png", filename: "fox 1.png")
        #expect(upload.method == .post && upload.contentType == "image/png" && upload.body == Data([1, 2, 3]))
        #expect(upload.pathAndQuery == "/_matrix/media/v3/upload?filename=fox%201.png")
        let uri = try #require(MediaURI("mxc://mjbridge.test/abc"))
        #expect(MatrixRequest.download(uri).pathAndQuery == "/_matrix/client/v1/media/download/mjbridge.test/abc")
        #expect(MatrixRequest.messages(roomID: "!r", limit: 10).pathAndQuery == "/_matrix/client/v3/rooms/%21r/messages?dir=b&limit=10")
    }

    @Test func jsonKeepsIntegersAndSortsKeys() throws {
        let value: MatrixJSON = ["b": 1, "a": [true, nil, 1.5, "x"]]
        #expect(String(decoding: value.encoded(), as: UTF8.self) == #"{"a":[true,null,1.5,"x"],"b":1}"#)
        #expect(try MatrixJSON.parse(Data(#"{"ts": 1796036772887}"#.utf8))["ts"]?.int64Value == 1_796_036_772_887)
    }
}

@Suite struct TokenRedactorTests {
    @Test func knownTokensAndTokenShapedValuesAreRemoved() {
        let redactor = TokenRedactor(tokens: ["syt_abc_123456", nil, "ab"])
        #expect(redactor.redact("bad token syt_abc_123456 in ?access_token=other_tok&x=1 and Bearer zzz_yyy end")
                == "bad token <redacted> in ?access_token=<redacted>&x=1 and Bearer <redacted> end")
        // Too short to be a token: ordinary text stays.
        #expect(redactor.redact("abc") == "abc")
        #expect(redactor.redact("Bearer ") == "Bearer ")
    }
}
