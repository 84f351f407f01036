import Foundation
import MidjourneyAPI
import Testing

/// Issue 12: the client never follows a redirect, because AsyncHTTPClient would carry
/// `mj-api-secret` to the `Location` (it strips only `Authorization` across origins). A 3xx is
/// reported as a misconfigured base URL that names the Location.
@Suite("Client and redirects (scripted servers)")
struct ClientRedirectTests {
    typealias Server = ScriptedHTTPServer

    @Test(arguments: [301, 302, 303, 307, 308])
    func aRedirectIsReportedAndNotFollowed(status: Int) async throws {
        // The redirect target is a second loopback server that counts what reaches it.
        try await Server.with({ _, _ in .json(ContractFixtures.submitted) }) { elsewhere in
            let location = elsewhere.baseURL + "/steal"
            try await Server.with({ _, _ in .respond(status: status, headers: [("Location", location)]) }) { proxy in
                // A read would be retried on transient errors; a redirect is not one.
                let client = try makeClient(proxy.baseURL + "/mj", retry: RetryPolicy(maxAttempts: 3, sleep: { _ in }))
                let submit = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "a fox")) }
                let read = await mjError { () async throws(MJError) in try await client.fetch(id: "1748339029401828") }
                for error in [submit, read] {
                    #expect(error == .redirected(status: status, location: location))
                    let text = try #require(error).description
                    #expect(text.contains(location) && text.contains("base_url"), "\(text)")
                    #expect(!text.contains(testKey))
                }
                // (Counted by path: a parallel test's "closed" port can be this server's.)
                let ours = await proxy.requests.filter { $0.uri == "/mj/submit/imagine" || $0.uri.contains("1748339029401828") }
                #expect(ours.count == 2)
                #expect(await elsewhere.requests.isEmpty)
            }
        }
    }

    @Test func aRelativeOrMissingLocationIsStillARedirect() async throws {
        try await Server.with({ _, number in
            number == 1 ? .respond(status: 302, headers: [("Location", "/login?next=/mj")]) : .respond(status: 302)
        }) { proxy in
            let client = try makeClient(proxy.baseURL)
            let relative = await mjError { () async throws(MJError) in try await client.list(ids: ["1"]) }
            #expect(relative == .redirected(status: 302, location: "/login?next=/mj"))
            let missing = await mjError { () async throws(MJError) in try await client.list(ids: ["1"]) }
            #expect(missing == .redirected(status: 302, location: ""))
            #expect(missing?.description.contains("without a Location") == true)
            // Only the two requests: nothing went to /login on the same server either.
            #expect(await proxy.requests.map(\.uri) == ["/mj/task/list-by-condition", "/mj/task/list-by-condition"])
        }
    }

    @Test func aLocationEchoingTheKeyIsRedacted() async throws {
        try await Server.with({ _, _ in .respond(status: 302, headers: [("Location", "http://evil.example/?k=\(testKey)")]) }) { proxy in
            let client = try makeClient(proxy.baseURL)
            let error = await mjError { () async throws(MJError) in try await client.imagine(ImagineRequest(prompt: "x")) }
            guard case .redirected(_, let location)? = error else {
                Issue.record("\(String(describing: error))")
                return
            }
            #expect(!location.contains(testKey))
            #expect(location.hasPrefix("http://evil.example/"))
        }
    }
}
