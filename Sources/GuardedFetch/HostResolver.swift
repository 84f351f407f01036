#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOPosix

/// One `getaddrinfo` per fetch, on NIO's blocking-I/O thread pool (never on an event loop).
/// Every address it returns is checked and the connection goes to one of exactly those, so
/// a second lookup (DNS rebinding) never happens.
enum HostResolver {
    static func resolve(_ host: String) async throws -> [IPAddress] {
        try await NIOThreadPool.singleton.runIfActive { try lookup(host) }
    }

    private static func lookup(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            throw FetchFailure.unresolvable(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var entry = list
        while let info = entry?.pointee {
            defer { entry = info.ai_next }
            guard let raw = info.ai_addr else { continue }
            let address: IPAddress
            switch info.ai_family {
            case AF_INET:
                let sin = UnsafeRawPointer(raw).loadUnaligned(as: sockaddr_in.self)
                address = .v4(UInt32(bigEndian: sin.sin_addr.s_addr))
            case AF_INET6:
                var sin6 = UnsafeRawPointer(raw).loadUnaligned(as: sockaddr_in6.self)
                address = IPAddress(v6Bytes: withUnsafeBytes(of: &sin6.sin6_addr) { Array($0) })
            default:
                continue
            }
            if !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }
}
