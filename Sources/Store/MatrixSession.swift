/// What the bot keeps per Matrix account between runs: the login it made with a password
/// (token and device, so a restart logs in as the same device and keeps the homeserver's
/// transaction-id dedup scope) and the `/sync` position.
public struct MatrixSession: Sendable, Hashable {
    public var account: String
    public var userID: String?
    public var deviceID: String?
    public var accessToken: String?
    /// The `next_batch` of the last batch whose commands were all handled; nil before the first start.
    public var since: String?

    public init(account: String, userID: String? = nil, deviceID: String? = nil, accessToken: String? = nil, since: String? = nil) {
        self.account = account
        self.userID = userID
        self.deviceID = deviceID
        self.accessToken = accessToken
        self.since = since
    }
}
