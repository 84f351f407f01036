import Bridge
import Foundation
import Testing
@testable import App

/// The `[limits]` table: the issue's keys and defaults, `0` = off, strict checking.
@Suite struct LimitsConfigTests {
    static let base = """
        [proxy]
        base_url = "http://127.0.0.1:8080/mj"

        [[networks]]
        name = "test"
        host = "irc.example.net"
        nick = "mjbot"

        """

    func load(_ limits: String, dir: String = "/etc/mjbridge") throws(ConfigError) -> LimitSettings {
        try ConfigurationLoader(environment: [:]).parse(toml: Self.base + limits, baseDirectory: dir).limits
    }

    @Test func withoutTheTableTheIssuesDefaults() throws {
        let limits = try load("")
        #expect(limits == LimitSettings(dailyJobs: 25, pendingPerUser: 2, pendingPerChannel: 10, pendingTotal: 50,
                                        cooldownSeconds: 10, commandsPer30s: 6, adminsExempt: true, bannedWords: []))
        // And they reach the bridge.
        let config = try ConfigurationLoader(environment: [:]).parse(toml: Self.base, baseDirectory: "/tmp")
        #expect(config.bridgeConfiguration(notifyHook: nil, callbackSecret: "s").limits == limits)
    }

    @Test func everyKeyAndZeroForOff() throws {
        let limits = try load("""
            [limits]
            daily_jobs = 0
            pending_per_user = 0
            pending_per_channel = 0
            pending_total = 0
            cooldown_seconds = 0
            commands_per_30s = 0
            admins_exempt = false
            banned_words = ["ass", "hot dog"]
            """)
        #expect(limits == LimitSettings(dailyJobs: 0, pendingPerUser: 0, pendingPerChannel: 0, pendingTotal: 0,
                                        cooldownSeconds: 0, commandsPer30s: 0, adminsExempt: false, bannedWords: ["ass", "hot dog"]))
    }

    @Test func bannedWordsFileIsAddedToTheList() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "# words\nspam\n\n  hot dog \n".write(to: dir.appendingPathComponent("banned.txt"), atomically: true, encoding: .utf8)
        let limits = try load("""
            [limits]
            banned_words = ["ass"]
            banned_words_file = "banned.txt"
            """, dir: dir.path)
        #expect(limits.bannedWords == ["ass", "spam", "hot dog"])
    }

    @Test func mistakesAreNamed() {
        func error(_ text: String) -> String {
            do { _ = try load(text); return "" } catch { return "\(error)" }
        }
        #expect(error("[limits]\ndaily_job = 5").contains("limits.daily_job"))
        #expect(error("[limits]\ndaily_jobs = -1").contains("limits.daily_jobs"))
        #expect(error("[limits]\ncooldown_seconds = \"10\"").contains("limits.cooldown_seconds"))
        #expect(error("[limits]\nbanned_words = [1]").contains("limits.banned_words[0]"))
        #expect(error("[limits]\nbanned_words_file = \"/nonexistent/words.txt\"").contains("limits.banned_words_file"))
        #expect(error("limits = 3").contains("limits"))
    }

    @Test func theSummaryShowsTheLimitsButNotTheWords() throws {
        let config = try ConfigurationLoader(environment: [:]).parse(
            toml: Self.base + "[limits]\ndaily_jobs = 7\nbanned_words = [\"secretword\"]", baseDirectory: "/tmp")
        let summary = config.redactedSummary
        #expect(summary.contains("[limits]") && summary.contains("daily_jobs = 7"))
        #expect(summary.contains("banned_words = (1 word"))
        #expect(!summary.contains("secretword"))
    }
}
