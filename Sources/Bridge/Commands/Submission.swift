/// Which commands start a Midjourney job — spend the owner's credits and count against a
/// user's limits. `!pause` and `require_account` refuse exactly these; queries (`!status`,
/// `!seed`, `!tasks`, `!cancel`) and the bot's own commands are never refused by them.
/// Buttons count as jobs. One list, so pauses and limits cannot disagree about what a job is.
public enum Submission {
    public static let commandNames: Set<String> = [
        BridgeCommands.imagine.name, BridgeCommands.niji.name, BridgeCommands.upscale1to4.name,
        BridgeCommands.variation1to4.name, BridgeCommands.reroll.name, BridgeCommands.vary.name,
        BridgeCommands.zoom.name, BridgeCommands.pan.name, BridgeCommands.upscale.name, BridgeCommands.region.name,
        BridgeCommands.remix.name, BridgeCommands.button.name, BridgeCommands.describe.name, BridgeCommands.pick.name,
        BridgeCommands.blend.name, BridgeCommands.faceswap.name, BridgeCommands.shorten.name,
    ]
}

extension CommandSpec {
    /// Whether running it submits a job to the proxy (see `Submission`).
    public var isSubmission: Bool { Submission.commandNames.contains(name) }
}
