import Foundation
import Testing
@testable import Matrix

@Suite struct MatrixRetryPolicyTests {
    let policy = MatrixRetryPolicy()

    func near(_ a: Duration, _ b: Duration) -> Bool {
        abs((a - b) / .nanoseconds(1)) < 1000
    }

    func server(_ status: Int, _ errcode: String, retryAfter: Duration? = nil, softLogout: Bool = false) -> MatrixClientError {
        .server(MatrixErrorResponse(status: status, errcode: errcode, message: "m", retryAfter: retryAfter, softLogout: softLogout))
    }

    @Test func backoffDoublesUpToTheCapWithEqualJitter() {
        #expect(policy.backoff(attempt: 1, jitter: 0) == .milliseconds(500))
        #expect(near(policy.backoff(attempt: 1, jitter: 0.5), .milliseconds(750)))
        #expect(policy.backoff(attempt: 3, jitter: 0) == .seconds(2))
        #expect(policy.backoff(attempt: 3, jitter: 1) == .seconds(4))
        #expect(policy.backoff(attempt: 7, jitter: 0) == .seconds(30))
        #expect(policy.backoff(attempt: 1000, jitter: 1) == .seconds(60))
        #expect(policy.backoff(attempt: 0, jitter: 0) == .milliseconds(500))
    }

    @Test func rateLimitedWaitsWhatTheServerSaysPlusUpToTenPercent() {
        #expect(policy.decision(for: server(429, "M_LIMIT_EXCEEDED", retryAfter: .milliseconds(2345)), attempt: 5, jitter: 0)
                == .retry(after: .milliseconds(2345)))
        guard case .retry(let wait) = policy.decision(for: server(429, "M_LIMIT_EXCEEDED", retryAfter: .seconds(2)), attempt: 1, jitter: 0.5) else {
            Issue.record("no retry"); return
        }
        #expect(near(wait, .milliseconds(2100)))
        // Days are not waited for.
        #expect(policy.decision(for: server(429, "M_LIMIT_EXCEEDED", retryAfter: .seconds(3 * 86_400)), attempt: 1, jitter: 0)
                == .retry(after: .seconds(600)))
        // Without a hint: the backoff.
        #expect(policy.decision(for: server(429, "M_UNKNOWN"), attempt: 3, jitter: 0) == .retry(after: .seconds(2)))
    }

    @Test func tokenAndForbiddenStop() {
        #expect(policy.decision(for: server(401, "M_UNKNOWN_TOKEN", softLogout: true), attempt: 1, jitter: 0)
                == .stop(.tokenRejected(softLogout: true)))
        #expect(policy.decision(for: server(401, "M_MISSING_TOKEN"), attempt: 1, jitter: 0) == .stop(.tokenRejected(softLogout: false)))
        #expect(policy.decision(for: server(403, "M_FORBIDDEN"), attempt: 1, jitter: 0) == .stop(.forbidden("m")))
        #expect(policy.decision(for: server(404, "M_NOT_FOUND"), attempt: 1, jitter: 0) == .stop(.rejected("M_NOT_FOUND (HTTP 404): m")))
        #expect(policy.decision(for: .redirected(status: 302), attempt: 1, jitter: 0)
                == .stop(.rejected("homeserver answered with a redirect (HTTP 302), not followed")))
        #expect(policy.decision(for: .cancelled, attempt: 1, jitter: 0) == .stop(.cancelled))
    }

    @Test func serverErrorsAndNoAnswerBackOff() {
        #expect(policy.decision(for: server(502, "M_UNKNOWN"), attempt: 2, jitter: 0) == .retry(after: .seconds(1)))
        #expect(policy.decision(for: server(408, "M_UNKNOWN"), attempt: 1, jitter: 0) == .retry(after: .milliseconds(500)))
        #expect(policy.decision(for: .transport("reset", mayHaveArrived: true), attempt: 4, jitter: 1) == .retry(after: .seconds(8)))
        #expect(policy.decision(for: .invalidResponse("x"), attempt: 1, jitter: 0) == .retry(after: .milliseconds(500)))
    }

    /// A 4xx without a Matrix errcode is not the homeserver refusing: a reverse proxy's page
    /// while it is away. Waited out; the homeserver's own refusals still stop.
    @Test func aProxysErrorPageBacksOffTheHomeserversRefusalsStop() {
        for (status, body) in [(404, "<html>Not Found</html>"), (403, "<html>Forbidden</html>"), (400, ""), (401, "Unauthorized")] {
            let page = MatrixErrorResponse.parse(status: status, body: Data(body.utf8), retryAfterHeader: nil)
            #expect(!page.fromHomeserver)
            #expect(policy.decision(for: .server(page), attempt: 1, jitter: 0) == .retry(after: .milliseconds(500)), "\(status) \(body)")
        }
        func parsed(_ status: Int, _ body: String) -> MatrixClientError {
            .server(MatrixErrorResponse.parse(status: status, body: Data(body.utf8), retryAfterHeader: nil))
        }
        #expect(policy.decision(for: parsed(401, #"{"errcode":"M_UNKNOWN_TOKEN","error":"x"}"#), attempt: 1, jitter: 0)
                == .stop(.tokenRejected(softLogout: false)))
        #expect(policy.decision(for: parsed(403, #"{"errcode":"M_FORBIDDEN","error":"x"}"#), attempt: 1, jitter: 0) == .stop(.forbidden("x")))
        #expect(policy.decision(for: parsed(400, #"{"errcode":"M_BAD_JSON","error":"x"}"#), attempt: 1, jitter: 0)
                == .stop(.rejected("M_BAD_JSON (HTTP 400): x")))
    }
}

@Suite struct MatrixErrorResponseTests {
    @Test func theBodyWinsOverTheHeader() {
        let body = #"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":2345}"#
        let error = MatrixErrorResponse.parse(status: 429, body: Data(body.utf8), retryAfterHeader: "3")
        #expect(error == MatrixErrorResponse(status: 429, errcode: "M_LIMIT_EXCEEDED", message: "Too Many Requests", retryAfter: .milliseconds(2345)))
        #expect(error.isRateLimited && !error.isTokenRejected)
        #expect(MatrixErrorResponse.parse(status: 429, body: Data(), retryAfterHeader: " 3 ").retryAfter == .seconds(3))
        #expect(MatrixErrorResponse.parse(status: 429, body: Data(), retryAfterHeader: "Wed, 21 Oct 2015 07:28:00 GMT").retryAfter == nil)
    }

    @Test func anythingElseStillGivesAnError() {
        let page = MatrixErrorResponse.parse(status: 502, body: Data("<html>Bad Gateway</html>".utf8), retryAfterHeader: nil)
        #expect(page == MatrixErrorResponse(status: 502, errcode: "M_UNKNOWN", message: "<html>Bad Gateway</html>", fromHomeserver: false))
        let token = MatrixErrorResponse.parse(status: 401, body: Data(#"{"errcode":"M_UNKNOWN_TOKEN","error":"x","soft_logout":true}"#.utf8),
                                              retryAfterHeader: nil)
        #expect(token.isTokenRejected && token.softLogout)
        #expect(MatrixErrorResponse.parse(status: 403, body: Data(#"{"errcode":"M_FORBIDDEN"}"#.utf8), retryAfterHeader: nil).isForbidden)
        #expect(MatrixErrorResponse.parse(status: 429, body: Data(#"{"retry_after_ms": -5}"#.utf8), retryAfterHeader: nil).retryAfter == nil)
    }

    /// Review finding 9: the whole message is redacted before it is cut to 200 characters (a
    /// token across the cut kept its first part), and the error code is redacted too.
    @Test func aTokenAcrossTheCutOrInTheCodeIsRedacted() {
        let token = "syt_bWpicmlkZ2U_SecretTokenValue_0123456789"
        let redactor = TokenRedactor(tokens: [token])
        let padding = String(repeating: "x", count: 190)
        let body = #"{"errcode":"M_\#(token)","error":"\#(padding)\#(token) is unknown"}"#
        // Cut first, then redacted (the old order), the token's first characters survive:
        #expect(redactor.redact(String((padding + token).prefix(200))).hasSuffix("syt_bWpicm"))
        let error = MatrixErrorResponse.parse(status: 401, body: Data(body.utf8), retryAfterHeader: nil, redactor: redactor)
        #expect(!error.message.contains(token.prefix(8)), "\(error.message)")
        #expect(error.message.hasPrefix(padding + TokenRedactor.placeholder.prefix(10)))
        #expect(error.message.count <= 200)
        #expect(error.errcode == "M_" + TokenRedactor.placeholder)
        // Not JSON (an HTML page echoing the request): redacted as well.
        let page = MatrixErrorResponse.parse(status: 502, body: Data("<html>\(padding)Bearer \(token)</html>".utf8),
                                             retryAfterHeader: nil, redactor: redactor)
        #expect(!page.message.contains(token.prefix(8)), "\(page.message)")
    }

    @Test func aLoginSessionNeverShowsItsToken() {
        let session = LoginSession(userID: "@bot:example.org", accessToken: "syt_secret_login_token_42", deviceID: "DEV")
        var dumped = ""
        dump(session, to: &dumped)
        for text in ["\(session)", String(describing: session), String(reflecting: session), dumped] {
            #expect(!text.contains("syt_secret_login_token_42") && text.contains("@bot:example.org"), "\(text)")
        }
    }
}
