import Foundation
import PostgresStore
import Testing

@Suite struct StorePasswordTests {
    @Test func theEnvironmentOrAFileTrimmedButNeverBoth() throws {
        let directory = try TemporaryDirectory()
        let file = directory.url.appendingPathComponent("pw").path
        try Data("s3cret pass\n".utf8).write(to: URL(fileURLWithPath: file))
        let environment = ["MJBRIDGE_STORE_PASSWORD": "from-env"]

        #expect(try StorePassword.resolve(environment: environment, file: nil) == "from-env")
        #expect(try StorePassword.resolve(environment: [:], file: file) == "s3cret pass")
        #expect(try StorePassword.resolve(environment: ["MJBRIDGE_STORE_PASSWORD": ""], file: nil) == nil)
        #expect(try StorePassword.resolve(environment: [:], file: nil) == nil)
        #expect(throws: StorePasswordError.self) { try StorePassword.resolve(environment: environment, file: file) }
        #expect(throws: StorePasswordError.self) {
            try StorePassword.resolve(environment: [:], file: directory.url.appendingPathComponent("missing").path)
        }
        try Data("\n".utf8).write(to: URL(fileURLWithPath: file))
        #expect(throws: StorePasswordError.self) { try StorePassword.resolve(environment: [:], file: file) }
    }
}
