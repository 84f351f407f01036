import Foundation
import Testing
@testable import App

/// `[store]`: the SQLite file by default, a shared PostgreSQL database with `url`.
@Suite struct StoreSettingsTests {
    let minimal = """
        [proxy]
        base_url = "http://127.0.0.1:8080/mj"

        [[networks]]
        name = "test"
        host = "irc.example.net"
        nick = "mjbot"
        """

    func load(_ store: String, env: [String: String] = [:], files: [String: String] = [:]) throws(ConfigError) -> Configuration {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-settings-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try? text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return try ConfigurationLoader(environment: env).parse(toml: minimal + "\n" + store, baseDirectory: directory.path)
    }

    func error(_ store: String, env: [String: String] = [:]) -> String? {
        do { _ = try load(store, env: env); return nil } catch { return error.description }
    }

    @Test func withoutAURLTheSQLiteFileAsAlways() throws {
        let config = try load("")
        #expect(config.store.postgres == nil)
        #expect(!config.store.isShared)
        #expect(config.redactedSummary.contains("not set: the SQLite file of bot.database"))
    }

    @Test func aPostgresURLWithThePasswordFromTheEnvironment() throws {
        let config = try load("""
            [store]
            url = "postgres://mjbridge@db.example.org/bot"
            max_networks_per_process = 1
            takeover_seconds = 6
            """, env: ["MJBRIDGE_STORE_PASSWORD": "s3cret"])
        let postgres = try #require(config.store.postgres)
        #expect(postgres.host == "db.example.org" && postgres.port == 5432 && postgres.user == "mjbridge" && postgres.database == "bot")
        #expect(postgres.tls == .verifyFull, "verified TLS unless the URL says otherwise")
        #expect(postgres.password == "s3cret")
        #expect(config.store.password?.origin == "env MJBRIDGE_STORE_PASSWORD")
        #expect(config.store.maxNetworksPerProcess == 1)
        #expect(config.store.takeoverSeconds == 6)
        let summary = config.redactedSummary
        #expect(summary.contains("url = \"postgres://mjbridge@db.example.org:5432/bot?sslmode=verify-full\""))
        #expect(!summary.contains("s3cret"))
    }

    @Test func passwordFromAFileAndDefaults() throws {
        let config = try load("""
            [store]
            url = "postgres://mjbridge@127.0.0.1:5433/bot?sslmode=disable"
            password_file = "pg.pass"
            """, files: ["pg.pass": "from-file\n"])
        #expect(config.store.postgres?.password == "from-file")
        #expect(config.store.postgres?.tls == .disable)
        #expect(config.store.maxNetworksPerProcess == 0)
        #expect(config.store.takeoverSeconds == 10)
        #expect(config.redactedSummary.contains("WARNING: the server's certificate is not verified"))
    }

    @Test(arguments: [
        ("[store]\nurl = \"postgres://bot:hunter2@db/bot\"", "carries a password"),
        ("[store]\nurl = \"mysql://bot@db/bot\"", "not a postgres:// URL"),
        ("[store]\nurl = \"postgres://bot@db/bot\"\ntakeover = 5", "unknown key 'store.takeover'"),
        ("[store]\nurl = \"postgres://bot@db/bot\"\ntakeover_seconds = 1", "store.takeover_seconds"),
        ("[store]\nurl = \"postgres://bot@db/bot\"\nmax_networks_per_process = -1", "store.max_networks_per_process"),
        ("[store]\nmax_networks_per_process = 2", "needs store.url"),
        ("[store]\npassword = \"x\"", "needs store.url"),
        ("[store]\nurl = \"postgres://bot@db/bot\"\npassword = \"a\"\npassword_file = \"b\"", "'store.password' and 'store.password_file' are both set"),
    ])
    func refusals(store: String, why: String) {
        let text = error(store) ?? "accepted"
        #expect(text.contains(why), "\(text)")
        #expect(!text.contains("hunter2"), "\(text)")
    }
}
