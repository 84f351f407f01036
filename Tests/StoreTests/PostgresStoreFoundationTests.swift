import Foundation
import PostgresNIO
@testable import PostgresStore
import PostgresTestSupport
import Store
import Testing

@Suite struct PostgresStoreConfigurationTests {
    @Test func parsesTheURLWithVerifiedTLSByDefault() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://bot@db.example.org:6432/mjbridge", password: "s")
        #expect(configuration.host == "db.example.org")
        #expect(configuration.port == 6432)
        #expect(configuration.user == "bot")
        #expect(configuration.database == "mjbridge")
        #expect(configuration.password == "s")
        #expect(configuration.tls == .verifyFull)
        #expect(configuration.displayURL == "postgres://bot@db.example.org:6432/mjbridge?sslmode=verify-full")
    }

    @Test func readsSSLModeAndRootCertificate() throws {
        let configuration = try PostgresStoreConfiguration(
            url: "postgresql://bot@10.0.0.5/db?sslmode=require&sslrootcert=/etc/ca.pem", password: nil)
        #expect(configuration.port == 5432)
        #expect(configuration.tls == .require)
        #expect(configuration.caFile == "/etc/ca.pem")
    }

    @Test(arguments: [
        ("mysql://bot@host/db", "not a postgres:// URL"),
        ("postgres://bot:hunter2@host/db", "carries a password"),
        ("postgres://host/db", "names no user"),
        ("postgres://bot@host/", "names no database"),
        ("postgres://bot@host/db?sslmode=allow", "sslmode must be one of"),
        ("postgres://bot@host/db?application_name=x", "unknown URL parameter"),
    ])
    func refusesBadURLs(url: String, why: String) {
        do {
            _ = try PostgresStoreConfiguration(url: url, password: nil)
            Issue.record("accepted \(url)")
        } catch {
            let text = "\(error)"
            #expect(text.contains(why), "\(text)")
            #expect(!text.contains("hunter2"), "the password must not be repeated: \(text)")
        }
    }
}

@Suite(.enabled(if: !PostgresTestServer.skipRequested, PostgresTestServer.skipReason))
struct PostgresMigrationTests {
    /// Twenty stores (twenty pools, twenty sessions, as twenty processes would be) opening one
    /// new database at the same moment: every migration is applied exactly once and all of them
    /// open.
    @Test func twentyOpeningTogetherMigrateOnce() async throws {
        let database = try await PostgresTestServer.shared.freshDatabase()
        var configuration = try PostgresStoreConfiguration(url: database.url, password: database.password)
        configuration.maximumConnections = 2
        let shared = configuration
        let opened = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<20 {
                group.addTask { try await PostgresStore.open(shared, logger: .init(label: "test.pg")) }
            }
            var stores: [PostgresStore] = []
            for try await store in group { stores.append(store) }
            return stores
        }
        #expect(opened.count == 20)
        let names = try await PostgresMigrations.appliedNames(opened[0])
        #expect(names == PostgresMigrations.all.map(\.name))
        for store in opened { await store.close() }
    }

    @Test func aWrongPasswordIsAClearErrorWithoutThePassword() async throws {
        let database = try await PostgresTestServer.shared.freshDatabase()
        let configuration = try PostgresStoreConfiguration(url: database.url, password: "not-the-password-42")
        do {
            let store = try await PostgresStore.open(configuration, logger: .init(label: "test.pg"))
            await store.close()
            Issue.record("opened with a wrong password")
        } catch {
            let text = "\(error)"
            #expect(text.contains("cannot reach the PostgreSQL store"), "\(text)")
            #expect(text.contains("password authentication failed"), "the server's reason: \(text)")
            #expect(!text.contains("not-the-password-42"), "\(text)")
        }
    }
}
