import Foundation
import Store

extension StoreKind {
    /// The same as `withSharedStorage` (two helpers grew in parallel; tests use both names).
    func withReopenableStore<T: Sendable>(
        _ body: (_ open: @escaping @Sendable () async throws -> any BotStore) async throws -> T
    ) async throws -> T {
        try await withSharedStorage(body)
    }
}
