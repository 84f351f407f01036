/// Makes the ids of intent rows: short, random, unique enough that a crash's leftovers never
/// collide with a new submission. Injected so tests are exact.
public struct IntentIds: Sendable {
    public var make: @Sendable () -> String

    public init(make: @escaping @Sendable () -> String) {
        self.make = make
    }

    /// 12 characters of a 32-letter alphabet (60 bits): fits the 255-byte `state` with room.
    public static let random = IntentIds {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<12).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}
