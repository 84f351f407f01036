/// Which commands submit a job: the one place that says so (limits count `submitting`;
/// `!pause` and `require_account` refuse `sendingText`, see `CommandSpec.isSubmission`).
/// Buttons are jobs; queries (`!status`, `!seed`, `!tasks`, `!help`…) are not.
public enum JobCommands {
    /// Commands that start a new proxy task and count toward quotas and pending caps.
    public static let submitting: Set<String> = [
        BridgeCommands.imagine, BridgeCommands.niji, BridgeCommands.upscale1to4, BridgeCommands.variation1to4,
        BridgeCommands.reroll, BridgeCommands.vary, BridgeCommands.zoom, BridgeCommands.pan, BridgeCommands.upscale,
        BridgeCommands.region, BridgeCommands.button, BridgeCommands.describe, BridgeCommands.pick,
        BridgeCommands.blend, BridgeCommands.faceswap, BridgeCommands.shorten,
    ].reduce(into: []) { $0.insert($1.name) }

    /// Commands whose words go to the proxy as a prompt: checked against the banned words.
    /// `!remix` is here but not above: it confirms a task that was counted when its button was
    /// pressed (and is still pending), so counting it again would charge one job twice.
    public static let sendingText: Set<String> = submitting.union([BridgeCommands.remix.name])

    public static func submitsJob(_ spec: CommandSpec) -> Bool { submitting.contains(spec.name) }
    public static func sendsText(_ spec: CommandSpec) -> Bool { sendingText.contains(spec.name) }
}
