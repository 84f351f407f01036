/// The bridge's commands as `!help` shows them. Order here is the order of `!help`.
public enum BridgeCommands {
    public static let imagine = CommandSpec(
        name: "imagine", aliases: ["mj", "i"], usage: "<prompt>",
        summary: "Draws four images from a prompt. Image links or ref:<ref> of earlier results at the start are image prompts; --fast/--relax/--turbo pick the speed.",
        examples: ["imagine a red fox in snow --ar 16:9", "mj https://example.com/cat.png a cat in the style of ukiyo-e",
                   "imagine ref:1828 a fox in the style of this"])
    public static let niji = CommandSpec(
        name: "niji", usage: "<prompt>", summary: "Like imagine, with the Niji (anime) model.",
        examples: ["niji a girl reading under cherry blossoms"])
    public static let upscale1to4 = CommandSpec(
        name: "u1", aliases: ["u2", "u3", "u4"], listName: "u1-4", usage: "[ref]",
        summary: "Upscales one image of a grid (your latest, or the task ref).",
        examples: ["u2", "u2 1828"])
    public static let variation1to4 = CommandSpec(
        name: "v1", aliases: ["v2", "v3", "v4"], listName: "v1-4", usage: "[ref]",
        summary: "Makes variations of one image of a grid.", examples: ["v3", "v1 1828"])
    public static let reroll = CommandSpec(
        name: "reroll", usage: "[ref]", summary: "Runs the same prompt again.", examples: ["reroll"])
    public static let vary = CommandSpec(
        name: "vary", usage: "subtle|strong [ref]", summary: "Varies an upscaled image a little or a lot.",
        examples: ["vary subtle", "vary strong 1828"])
    public static let zoom = CommandSpec(
        name: "zoom", usage: "1.5x|2x [ref] | <1.0-2.0> [ref] [prompt]",
        summary: "Zooms out of an upscaled image; a number is a custom zoom, optionally with a new prompt.",
        examples: ["zoom 2x", "zoom 1.3 a wider forest"])
    public static let pan = CommandSpec(
        name: "pan", usage: "left|right|up|down [ref]", summary: "Extends an upscaled image in one direction.",
        examples: ["pan left"])
    public static let upscale = CommandSpec(
        name: "upscale", usage: "subtle|creative|2x|4x [ref]", summary: "Upscales an upscaled image further.",
        examples: ["upscale creative", "upscale 2x 1828"])
    public static let region = CommandSpec(
        name: "region", usage: "<mask> [ref] [prompt]",
        summary: "Redraws the white area of a mask (PNG, black background; a link or a ref) of an upscaled image.",
        examples: ["region https://example.com/mask.png a hat"])
    public static let remix = CommandSpec(
        name: "remix", usage: "[ref] <new prompt>",
        summary: "Continues an action that is waiting for a remix prompt.",
        examples: ["remix a red fox in rain"])
    public static let button = CommandSpec(
        name: "btn", usage: "<n|label> [ref]",
        summary: "Presses any button of a task, by number or label (even ones this bot has no command for).",
        examples: ["btn 5", "btn Upscale (Subtle)"])
    public static let describe = CommandSpec(
        name: "describe", usage: "<image>", summary: "Suggests four prompts for an image: a link, or the ref of an earlier result here.",
        examples: ["describe https://example.com/cat.png", "describe 1828"])
    public static let pick = CommandSpec(
        name: "pick", usage: "<1-4> [ref]", summary: "Imagines one of the prompts describe suggested.",
        examples: ["pick 2"])
    public static let blend = CommandSpec(
        name: "blend", usage: "<image> <image> [image…] [--portrait|--square|--landscape]",
        summary: "Blends two to five images: links, or refs of earlier results here (1828/2: image 2 of that grid).",
        examples: ["blend https://example.com/a.png https://example.com/b.png --landscape", "blend 1828 3356 --square"])
    public static let faceswap = CommandSpec(
        name: "faceswap", usage: "<face> <target>", summary: "Puts the face of the first image into the second (links or refs).",
        examples: ["faceswap https://example.com/me.png https://example.com/astronaut.png", "faceswap 1828 https://example.com/astronaut.png"])
    public static let shorten = CommandSpec(
        name: "shorten", usage: "<prompt>", summary: "Shows which words of a prompt matter.",
        examples: ["shorten a very detailed and beautiful painting of a red fox"])
    public static let seed = CommandSpec(
        name: "seed", usage: "[ref]", summary: "Shows the seed of a finished image.", examples: ["seed", "seed 1828"])
    public static let status = CommandSpec(
        name: "status", usage: "[ref]", summary: "Shows how a task is doing.", examples: ["status 1828"])
    public static let cancel = CommandSpec(
        name: "cancel", usage: "[ref]", summary: "Cancels a task that is still waiting or running.",
        examples: ["cancel 1828"])
    public static let tasks = CommandSpec(
        name: "tasks", summary: "Lists your recent tasks here with their status.", examples: ["tasks"])

    public static let all: [CommandSpec] = [
        imagine, niji, upscale1to4, variation1to4, reroll, vary, zoom, pan, upscale, region, remix, button,
        describe, pick, blend, faceswap, shorten, seed, status, cancel, tasks,
    ]

    /// Everything `!help` lists: the bridge's commands, then help/version/ping, then (to
    /// those who may use them) the admin and owner commands.
    public static var registry: CommandRegistry {
        CommandRegistry(all + LimitCommands.all + CoreCommands.all + AdminCommands.all + [OperatorCommands.stats]
                        + OwnerCommands.all + [OperatorCommands.reload])
    }
}
