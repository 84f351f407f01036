import Foundation

/// What `POST /login` returns: keep all three; the device id keeps the transaction-id scope
/// (see `TransactionID`) when logging in again.
public struct LoginSession: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var userID: String
    public var accessToken: String
    public var deviceID: String

    public init(userID: String, accessToken: String, deviceID: String) {
        self.userID = userID
        self.accessToken = accessToken
        self.deviceID = deviceID
    }

    /// The token never shows when a session is interpolated into a log line or an error.
    public var description: String {
        "LoginSession(userID: \(userID), accessToken: \(TokenRedactor.placeholder), deviceID: \(deviceID))"
    }

    public var debugDescription: String { description }

    /// `dump` and other reflection see the same redacted fields.
    public var customMirror: Mirror {
        Mirror(self, children: ["userID": userID, "accessToken": TokenRedactor.placeholder, "deviceID": deviceID])
    }

    static func parse(_ json: MatrixJSON) -> LoginSession? {
        guard let userID = json["user_id"]?.stringValue, let token = json["access_token"]?.stringValue,
              let device = json["device_id"]?.stringValue else { return nil }
        return LoginSession(userID: userID, accessToken: token, deviceID: device)
    }
}

/// What `GET /account/whoami` returns.
public struct AccountIdentity: Sendable, Hashable {
    public var userID: String
    /// Nil for tokens without a device (appservices).
    public var deviceID: String?

    public init(userID: String, deviceID: String?) {
        self.userID = userID
        self.deviceID = deviceID
    }
}

/// A page of `GET /rooms/{roomId}/messages`: raw events (as the server sent them) and the
/// token for the next page (nil at the start of the room).
public struct MessagesPage: Sendable, Hashable {
    public var events: [MatrixJSON]
    public var end: String?

    public init(events: [MatrixJSON], end: String?) {
        self.events = events
        self.end = end
    }
}

/// Downloaded media: the bytes and the type the server declared.
public struct DownloadedMedia: Sendable, Hashable {
    public var data: Data
    public var contentType: String?
}
