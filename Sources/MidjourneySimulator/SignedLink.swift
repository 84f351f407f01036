/// Discord-style signed attachment links: `?ex=<hex expiry>&is=<hex issued>&hm=<signature>&`.
/// The signature covers the path, both times and a generation number; bumping the generation
/// ("expire all links now") invalidates every link handed out before, as Discord's expiry does.
struct LinkSigner: Sendable {
    let secret: UInt64
    var generation: UInt64 = 0

    func query(path: String, issuedSeconds: Int64, expiresSeconds: Int64) -> String {
        let ex = String(expiresSeconds, radix: 16)
        let iss = String(issuedSeconds, radix: 16)
        return "ex=\(ex)&is=\(iss)&hm=\(signature(path: path, ex: ex, is: iss))&"
    }

    enum Verdict: Equatable { case valid, expired, badSignature }

    func verify(path: String, query: [String: String], nowSeconds: Int64) -> Verdict {
        guard let ex = query["ex"], let iss = query["is"], let hm = query["hm"],
              let expires = Int64(ex, radix: 16)
        else { return .badSignature }
        guard hm == signature(path: path, ex: ex, is: iss) else { return .badSignature }
        return expires > nowSeconds ? .valid : .expired
    }

    /// 64 hex digits like Discord's `hm` (four FNV-1a lanes, not cryptographic: it only has
    /// to tell "ours and untouched" from "anything else").
    private func signature(path: String, ex: String, is iss: String) -> String {
        let material = Array("\(generation)|\(path)|\(ex)|\(iss)".utf8)
        return (0..<4).map { lane in
            let h = StableHash.fnv1a(material, seed: secret &+ UInt64(lane) &* 0x9E37_79B9_7F4A_7C15)
            return String(h, radix: 16).leftPadded(to: 16)
        }.joined()
    }
}
