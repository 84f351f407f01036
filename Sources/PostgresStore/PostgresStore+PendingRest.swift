import Foundation
import Store

/// Placeholders for the other BotStore methods (limits, admin, audit, images, STS, Matrix) until
/// they are written; pg-rest deletes each as it implements it, and this file when it is empty.
extension PostgresStore {
    public func reserveJob<Refusal: Sendable & Hashable>( _ requester: JobRequester, at now: Date, decide: @escaping @Sendable (JobCounters) -> Refusal? ) async throws -> ReservationOutcome<Refusal> {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func jobCounters(_ requester: JobRequester, at now: Date) async throws -> JobCounters {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func completeReservation(_ reservation: JobReservation) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func releaseReservation(_ reservation: JobReservation) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func quotaUsage(identity: String, day: String) async throws -> QuotaUsage {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func identity(lastUsingNick nick: String) async throws -> String? {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func knowsIdentity(_ identity: String) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func setQuotaOverride(identity: String, day: String?, limit: Int?, at now: Date) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func clearQuotaOverrides(identity: String) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func pruneLimitCounts(before day: String) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func adminAccounts() async throws -> [AdminAccount] {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func addAdmin(_ admin: AdminAccount) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func removeAdmin(account: String) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func ignoreEntries() async throws -> [IgnoreEntry] {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func addIgnore(_ entry: IgnoreEntry) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func removeIgnore(key: String) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func pauseSettings() async throws -> [PauseSetting] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func setPause(_ pause: PauseSetting) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func removePause(network: String, channel: String?) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func removeAllPauses() async throws -> Int {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func appendAudit(_ entry: AuditEntry) async throws -> AuditEntry {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func pruneAudit(before date: Date) async throws -> Int {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func recentAudit(limit: Int) async throws -> [AuditEntry] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func recordHostedImages(_ images: [HostedImageRecord], settlingOwedMirrorOf taskId: String) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func hostedImages(forTask taskId: String) async throws -> [HostedImageRecord] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func hostedImage(named name: String) async throws -> HostedImageRecord? {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func liveHostedImages() async throws -> [HostedImageRecord] {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func removeHostedImages(names: [String], reason: String, at date: Date) async throws -> Int {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func markHostedImagesServed(_ lastServed: [String: Date]) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func recordOwedMirror(_ owed: OwedMirrorRecord) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func owedMirror(taskId: String) async throws -> OwedMirrorRecord? {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func owedMirrors(dueBy date: Date) async throws -> [OwedMirrorRecord] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func removeOwedMirror(taskId: String) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func stsPolicy(host: String) async throws -> STSPolicyRecord? {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func stsPolicies() async throws -> [STSPolicyRecord] {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func saveSTSPolicy(_ policy: STSPolicyRecord) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func removeSTSPolicy(host: String) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func matrixSession(account: String) async throws -> MatrixSession? {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func saveMatrixLogin(account: String, userID: String, deviceID: String, accessToken: String) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func commitMatrixSince(account: String, since: String) async throws {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func claimMatrixEvent(_ eventID: String, account: String, at date: Date) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }

    @discardableResult
    public func pruneMatrixEvents(before date: Date) async throws -> Int {
        throw PostgresStoreError.notImplemented(#function)
    }

    public func claimMatrixEncryptionNotice(account: String, roomID: String, at date: Date) async throws -> Bool {
        throw PostgresStoreError.notImplemented(#function)
    }
}
