import Foundation
import Logging
import MidjourneySimulator
import Testing

/// `/_sim/switches`, the `mjbridge simulate` option parsing, account filters and injected 429s.
@Suite("Runtime switches and launch options")
struct RuntimeSwitchesAndLaunchTests {
    @Test func switchesOverHTTPChangeBehaviourAndCanEndAnOutage() async throws {
        try await withSimulator(.novicezk) { h in
            let initial = try await h.request("GET", "/_sim/switches")
            #expect(initial.status == 200)
            #expect(initial.object["outage"] as? Bool == false)
            #expect(initial.object["bannedWords"] as? [String] == ["badword", "gore"])

            let down = try await h.post("/_sim/switches", #"{"outage":true,"responseDelayMs":0,"stuckAtPercent":50}"#)
            #expect(down.status == 200)
            #expect(down.object["outage"] as? Bool == true)
            #expect(down.object["stuckAtPercent"] as? Int == 50)
            #expect(try await h.post("/mj/submit/imagine", #"{"prompt":"x"}"#).status == 502)
            #expect(await h.server.controls.switches.outage)

            // The switch endpoint still answers during the outage, so it can be ended.
            let up = try await h.post("/_sim/switches", #"{"outage":false,"stuckAtPercent":null,"remix":true}"#)
            #expect(up.object["outage"] as? Bool == false)
            #expect(up.object["stuckAtPercent"] is NSNull)
            let switches = await h.server.controls.switches
            #expect(switches.remix && !switches.outage && switches.stuckAtPercent == nil)
            #expect(try await h.post("/mj/submit/imagine", #"{"prompt":"x"}"#).code == 1)
            #expect(await h.server.controls.stats().requests == 2, "switch calls are not proxy requests")
        }
    }

    @Test func oneShotActionsOverHTTP() async throws {
        try await withSimulator(.trueai) { h in
            let done = try await h.finishedImagine()
            let url = try #require(done["imageUrl"] as? String)
            #expect(try await h.request("GET", url).status == 200)
            _ = try await h.post("/_sim/switches", #"{"expireImageLinks":true,"failNextTasks":{"count":1,"reason":"[Banned] nope"}}"#)
            #expect(try await h.request("GET", url).status == 403)
            let id = try await h.imagine()
            await h.server.runUntilIdle()
            #expect(try await h.fetch(id)["failReason"] as? String == "[Banned] nope")
        }
    }

    @Test func badSwitchValuesChangeNothing() async throws {
        try await withSimulator(.trueai) { h in
            for body in [#"{"outage":"maybe"}"#, #"{"httpErrorFraction":2}"#, #"{"nonsense":1}"#,
                         #"{"remix":true,"httpErrorStatuses":[200]}"#, "[1,2]"] {
                let reply = try await h.post("/_sim/switches", body)
                #expect(reply.status == 400, "\(body)")
                #expect((reply.object["error"] as? String)?.isEmpty == false, "\(body)")
                #expect((reply.object["keys"] as? [String])?.contains("outage") == true)
            }
            #expect(await h.server.controls.switches == SimulatorSwitches.withConfigurationDefaults)
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func switchesNeedTheKeyWhenOneIsSet(flavor: SimulatorFlavor) async throws {
        try await withSimulator(flavor, apiKey: "k") { h in
            let denied = try await h.post("/_sim/switches", #"{"outage":true}"#)
            #expect(denied.status == 401)
            let allowed = try await h.post("/_sim/switches", #"{"outage":true}"#, headers: [("mj-api-secret", "k")])
            #expect(allowed.status == 200)
            #expect(await h.server.controls.switches.outage)
        }
    }

    @Test func injected429CarriesRetryAfter() async throws {
        try await withSimulator(.trueai) { h in
            _ = try await h.post("/_sim/switches", #"{"httpErrorFraction":1,"httpErrorStatuses":[429],"retryAfterSeconds":7}"#)
            let reply = try await h.post("/mj/submit/imagine", #"{"prompt":"x"}"#)
            #expect(reply.status == 429)
            #expect(reply.headers["retry-after"] == "7")
        }
    }

    @Test(arguments: SimulatorFlavor.allCases)
    func accountFilterPicksTheAccountOrAnswersCode3(flavor: SimulatorFlavor) async throws {
        try await withSimulator(flavor, configure: { $0.accounts = 2 }) { h in
            let second = "1118138338562568021"  // first id + 7919
            let picked = try await h.post("/mj/submit/imagine", #"{"prompt":"x","accountFilter":{"instanceId":"\#(second)"}}"#)
            #expect(picked.code == 1)
            #expect(picked.properties["discordInstanceId"] as? String == second)
            let none = try await h.post("/mj/submit/blend", #"{"base64Array":["\#(samplePNGDataURL)","\#(samplePNGDataURL)"],"accountFilter":{"instanceId":"1"}}"#)
            #expect(none.code == 3)
            #expect(none.object["description"] as? String == "无可用的账号实例")
        }
    }

    @Test func launchOptionsFromTheCommandLine() throws {
        let options = try SimulatorLaunchOptions(port: 8080, flavor: "plus", apiKey: "", timing: "Quick", remix: true,
                                                 publicURL: "http://203.0.113.5:8080")
        #expect(options.host == "127.0.0.1")
        #expect(options.port == 8080)
        #expect(options.configuration.flavor == .novicezk)
        #expect(options.configuration.apiKey == nil, "an empty key means no auth")
        #expect(options.configuration.timing == .quick)
        #expect(options.configuration.remix)
        #expect(options.configuration.publicBaseURL == "http://203.0.113.5:8080")
        #expect(options.configuration.clock == .realTime())

        #expect(SimulatorTiming(parsing: "instant") == .instant)
        #expect(SimulatorTiming(parsing: "REALISTIC") == .realistic)
        #expect(SimulatorTiming(parsing: "slow") == nil)
        #expect(SimulatorFlavor(parsing: "ta") == .trueai)

        let bad: [(String, () throws -> SimulatorLaunchOptions)] = [
            ("--port", { try SimulatorLaunchOptions(port: 70000, flavor: "trueai") }),
            ("--flavor", { try SimulatorLaunchOptions(port: 1, flavor: "midjourney") }),
            ("--timing", { try SimulatorLaunchOptions(port: 1, flavor: "trueai", timing: "slow") }),
            ("--public-url", { try SimulatorLaunchOptions(port: 1, flavor: "trueai", publicURL: "203.0.113.5:8080") }),
            ("--host", { try SimulatorLaunchOptions(host: "", port: 1, flavor: "trueai") }),
        ]
        for (option, make) in bad {
            do {
                _ = try make()
                Issue.record("\(option) accepted")
            } catch {
                #expect("\(error)".contains(option), "\(error)")
            }
        }
    }

    @Test func bannerSaysItIsASimulator() async throws {
        let options = try SimulatorLaunchOptions(port: 0, flavor: "trueai", apiKey: "secret-key", timing: "instant")
        let server = try await SimulatorServer.start(options, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let banner = server.banner
        await server.shutdown()
        #expect(banner.contains("SIMULATOR"))
        #expect(banner.contains("not a real proxy"))
        #expect(banner.contains(server.apiBaseURL))
        #expect(banner.contains("/_sim/switches"))
        #expect(!banner.contains("secret-key"))
    }
}

extension SimulatorSwitches {
    /// What a fresh simulator with the default configuration starts with.
    static var withConfigurationDefaults: SimulatorSwitches {
        var s = SimulatorSwitches()
        s.bannedWords = SimulatorConfiguration().bannedWords
        return s
    }
}
