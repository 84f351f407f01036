import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Turns what NIO and NIOSSL throw into a sentence for the log and for
/// `IRCClientEvent.disconnected(reason:)`: what went wrong and, where there is one, what to
/// change. The raw error text is kept only when nothing better is known.
enum ConnectionErrorText {
    static func describe(_ error: any Error, server: String) -> String {
        if let ssl = error as? NIOSSLError {
            switch ssl {
            case .handshakeFailed(let boring):
                let reason = boringSSLReason(String(describing: boring))
                if reason == "CERTIFICATE_VERIFY_FAILED" {
                    return "the TLS certificate of \(server) could not be verified (CERTIFICATE_VERIFY_FAILED): "
                        + "not signed by a trusted CA (set ca_file for a private CA), expired, or issued for another name"
                }
                if reason == "WRONG_VERSION_NUMBER" {
                    return "TLS handshake with \(server) failed (WRONG_VERSION_NUMBER): is this a plain-text port? (tls = false)"
                }
                return "TLS handshake with \(server) failed (\(reason))"
            case .uncleanShutdown:
                return "\(server) dropped the TLS connection without closing it"
            default:
                return "TLS error with \(server): \(ssl)"
            }
        }
        if let connect = error as? NIOConnectionError {
            if connect.connectionErrors.isEmpty, let dns = connect.dnsAError ?? connect.dnsAAAAError {
                return "cannot resolve \(connect.host): \(dns)"
            }
            let reasons = Set(connect.connectionErrors.map { describe($0.error, server: server) })
            return "cannot connect to \(server): " + (reasons.isEmpty ? "no address to try" : reasons.sorted().joined(separator: "; "))
        }
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode)).lowercased()
        }
        if case ChannelError.connectTimeout(let amount)? = error as? ChannelError {
            return "connecting to \(server) timed out after \(amount.nanoseconds / 1_000_000_000) s"
        }
        return String(describing: error)
    }

    /// `...error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /path...`
    /// → `CERTIFICATE_VERIFY_FAILED`; the whole text when it has another shape.
    static func boringSSLReason(_ text: String) -> String {
        guard let marker = text.range(of: "OPENSSL_internal:") else { return text }
        let rest = text[marker.upperBound...]
        let end = rest.range(of: " at ")?.lowerBound ?? rest.firstIndex(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) ?? rest.endIndex
        return String(rest[..<end])
    }
}
