import Foundation
import Testing
@testable import MidjourneyAPI

@Suite("Error descriptions")
struct MJErrorDescriptionTests {
    @Test func apiKeyRejectedMentionsHeaderStyles() {
        let hint = AuthStyle.both.rejectionHint(apiKeyLooksLikeGatewayKey: true, hasKey: true)
        let text = MJError.apiKeyRejected(status: 401, hint: hint).description
        #expect(text.contains("API key rejected"))
        #expect(text.contains("401"))
        #expect(text.contains("bearer"))
        let bearer = AuthStyle.bearer.rejectionHint(apiKeyLooksLikeGatewayKey: false, hasKey: true)
        #expect(bearer.contains("'both'"))
        #expect(AuthStyle.both.rejectionHint(apiKeyLooksLikeGatewayKey: false, hasKey: false).contains("no API key"))
    }

    @Test func notFoundShowsThePathTried() {
        let text = MJError.notFound(path: "http://h:8080/mj/submit/imagine").description
        #expect(text.contains("http://h:8080/mj/submit/imagine"))
        #expect(text.contains("base URL"))
    }

    @Test func rateLimitedShowsTheWait() {
        #expect(MJError.rateLimited(retryAfter: .seconds(20)).description.contains("20 seconds"))
        #expect(MJError.rateLimited(retryAfter: .seconds(300)).description.contains("5 minutes"))
        #expect(MJError.rateLimited(retryAfter: nil).description.contains("later"))
    }

    @Test func timeoutOfASubmitWarnsAboutDoubleBilling() {
        #expect(MJError.timeout(submit: true).description.contains("may still have been accepted"))
        #expect(!MJError.timeout(submit: false).description.contains("accepted"))
    }

    @Test func retryability() {
        #expect(MJError.server(status: 502).isRetryable)
        #expect(MJError.timeout(submit: false).isRetryable)
        #expect(MJError.unreachable("refused").isRetryable)
        #expect(MJError.rateLimited(retryAfter: nil).isRetryable)
        #expect(!MJError.apiKeyRejected(status: 401, hint: "").isRetryable)
        #expect(!MJError.notFound(path: "/mj/x").isRetryable)
        #expect(MJError.rejected(SubmitResponse(code: .queueFull, description: "")).isRetryable)
        #expect(!MJError.rejected(SubmitResponse(code: .bannedPrompt, description: "")).isRetryable)
    }

    @Test func rejectedCodesReadWell() throws {
        let banned = MJError.rejected(try SubmitResponse.decode(ContractFixtures.banned.data)).description
        #expect(banned.contains("banned word 'naked'"))
        let queueFull = MJError.rejected(SubmitResponse(code: .queueFull, description: "")).description
        #expect(queueFull.contains("queue is full"))
        let validation = MJError.rejected(SubmitResponse(code: .validation, description: "base64格式错误")).description
        #expect(validation.contains("not a valid base64 data URL"))
        #expect(validation.contains("base64格式错误"))
        #expect(validation.contains("code 4"))
        let trueai = MJError.rejected(try SubmitResponse.decode(ContractFixtures.trueaiException.data)).description
        #expect(trueai.contains("Object reference not set"))
        #expect(trueai.contains("code -1"))
    }

    @Test func chineseMessagesGetEnglish() {
        #expect(ProxyText.english(for: "排队中，前面还有3个任务") == "queued, 3 job(s) ahead")
        #expect(ProxyText.english(for: "执行超时 5 分钟") == "the job ran longer than 5 minutes")
        #expect(ProxyText.readable("可能包含敏感词") == "the prompt may contain a banned word (可能包含敏感词)")
        #expect(ProxyText.readable("Invalid Form Body") == "Invalid Form Body")
    }

    /// Proxies echo `notifyHook` (which carries the callback secret) in errors and answers.
    @Test func redactorRemovesTheCallbackSecretToo() {
        let secret = "cb-secret-0123456789abcdef"
        let redactor = SecretRedactor(apiKey: "sk-key-9876", otherSecrets: [secret, "ab"])
        let hook = "http://bot.example/callback/\(secret)"
        #expect(redactor.redact("bad notifyHook \(hook) and sk-key-9876") == "bad notifyHook http://bot.example/callback/<redacted> and <redacted>")
        #expect(redactor.redact(MJError.httpStatus(400, "notifyHook=\(hook)")).description.contains(secret) == false)
        // Too short to search for: left alone rather than mangling ordinary words.
        #expect(redactor.redact("about") == "about")
    }

    @Test func redactorRemovesTheKeyEverywhere() {
        let key = "s3cr3t-token-XYZ"
        let redactor = SecretRedactor(apiKey: key)
        let response = SubmitResponse(code: .validation, description: "Invalid token: \(key)",
                                      result: .array([.string(key)]), properties: ["echo": .string("x\(key)x")])
        let errors: [MJError] = [
            .rejected(response), .unreachable("http://\(key)@h"), .decoding("body \(key)"),
            .httpStatus(418, key), .apiKeyRejected(status: 401, hint: "said \(key)"), .badBaseURL(key),
            .invalidRequest(key), .notFound(path: "/mj/\(key)"),
        ]
        for error in errors {
            let redacted = redactor.redact(error)
            #expect(!redacted.description.contains(key), "\(redacted)")
            #expect(!String(describing: redacted).contains(key))
            #expect(!String(reflecting: redacted).contains(key))
        }
        #expect(redactor.redact("a \(key) b") == "a <redacted> b")
    }

    @Test func configurationDescriptionHidesTheKey() {
        let configuration = MidjourneyConfiguration(baseURL: "http://h", apiKey: "s3cr3t-token-XYZ")
        #expect(!configuration.description.contains("s3cr3t"))
        #expect(!String(describing: configuration).contains("s3cr3t"))
    }

    @Test func retryAfterForms() {
        #expect(RetryAfter.parse("7") == .seconds(7))
        #expect(RetryAfter.parse("1.5") == .milliseconds(1500))
        let now = Date(timeIntervalSince1970: 1_445_412_480) // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("soon") == nil)
        #expect(RetryAfter.parse(nil) == nil)
    }
}
