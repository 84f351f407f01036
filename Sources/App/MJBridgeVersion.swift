/// The version reported by `mjbridge --version`, `!version` and CTCP VERSION.
public enum MJBridgeVersion {
    public static let current = "0.1.0"
}
