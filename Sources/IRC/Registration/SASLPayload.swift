import Foundation

/// Encodes a SASL response into `AUTHENTICATE` parameters (IRCv3 sasl-3.1): base64 split into
/// 400-byte chunks, followed by `+` when the payload is empty or its last chunk is exactly 400
/// bytes, so the server knows the response is complete.
public enum SASLPayload {
    public static let chunkSize = 400

    public static func chunks(for payload: [UInt8]) -> [String] {
        let encoded = Data(payload).base64EncodedString()
        var result: [String] = []
        var rest = Substring(encoded)
        while !rest.isEmpty {
            let chunk = rest.prefix(chunkSize)
            result.append(String(chunk))
            rest = rest.dropFirst(chunk.count)
        }
        if result.last.map({ $0.utf8.count == chunkSize }) ?? true {
            result.append("+")
        }
        return result
    }

    /// `authzid \0 authcid \0 password`, with the account as both identities.
    public static func plain(account: String, password: String) -> [UInt8] {
        Array(account.utf8) + [0] + Array(account.utf8) + [0] + Array(password.utf8)
    }

    /// EXTERNAL carries only an optional authorization identity; empty means "the certificate's".
    public static func external(account: String?) -> [UInt8] {
        Array((account ?? "").utf8)
    }
}
