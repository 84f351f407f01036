import Foundation
import Testing
@testable import Bridge
import MidjourneyAPI

@Suite struct PromptSanitizerTests {
    @Test func dashesBeforeParametersBecomeDoubleHyphens() {
        #expect(PromptSanitizer.sanitize("a red fox —ar 16:9 –v 7 —-stylize 100").text == "a red fox --ar 16:9 --v 7 --stylize 100")
        // A dash used as punctuation stays.
        #expect(PromptSanitizer.sanitize("fox — in snow – 2").text == "fox — in snow – 2")
    }

    @Test func leadingImageURLsBecomeImagePrompts() {
        let p = PromptSanitizer.sanitize("https://e.com/a.png http://e.com/b.jpg a cat like https://e.com/c.png")
        #expect(p.imageURLs == ["https://e.com/a.png", "http://e.com/b.jpg"])
        #expect(p.text == "a cat like https://e.com/c.png")
    }

    @Test func imaginePromptsTakeLeadingRefColonOnly() {
        let p = PromptSanitizer.sanitize("ref:1828 https://e.com/a.png REF:3356/2 a fox like ref:9999 1828")
        #expect(p.images == ["ref:1828", "https://e.com/a.png", "REF:3356/2"])
        #expect(p.imageURLs == ["https://e.com/a.png"])
        #expect(p.text == "a fox like ref:9999 1828")
        // A bare number opening a prompt is the user's words.
        let words = PromptSanitizer.sanitize("1828 foxes")
        #expect(words.images.isEmpty && words.text == "1828 foxes")
    }

    @Test func speedFlagsChooseTheModeAndLeaveThePrompt() {
        let p = PromptSanitizer.sanitize("a cat --relax --ar 1:1 —turbo")
        #expect(p.mode == .turbo)
        #expect(p.text == "a cat --ar 1:1")
        #expect(PromptSanitizer.sanitize("a cat --FAST").mode == .fast)
        #expect(PromptSanitizer.sanitize("a cat").mode == nil)
        #expect(SpeedMode.relax.rawValue == "mj-relax")
    }

    @Test func formattingAndExtraSpacesGo() {
        #expect(PromptSanitizer.sanitize("  \u{02}a\u{02}   cat\t\r\n").text == "a cat")
    }
}

@Suite struct ProgressThrottleTests {
    let t0 = Date(timeIntervalSince1970: 1_000)

    @Test func offSaysNothing() {
        #expect(ProgressThrottle(policy: .off).levelToAnnounce(progress: 50, lastLevel: nil, lastAt: nil, now: t0) == nil)
    }

    @Test func startedSaysItOnce() {
        let throttle = ProgressThrottle(policy: .started)
        #expect(throttle.levelToAnnounce(progress: 0, lastLevel: nil, lastAt: nil, now: t0) == 0)
        #expect(throttle.levelToAnnounce(progress: 50, lastLevel: 0, lastAt: t0, now: t0 + 60) == nil)
        #expect(throttle.levelToAnnounce(progress: nil, lastLevel: nil, lastAt: nil, now: t0) == nil)
    }

    @Test func quarterAnnouncesCrossingsAtMostEveryTwentySeconds() {
        let throttle = ProgressThrottle(policy: .quarter)
        #expect(throttle.levelToAnnounce(progress: 10, lastLevel: nil, lastAt: nil, now: t0) == nil)
        #expect(throttle.levelToAnnounce(progress: 31, lastLevel: nil, lastAt: nil, now: t0) == 25)
        #expect(throttle.levelToAnnounce(progress: 46, lastLevel: 25, lastAt: t0, now: t0 + 30) == nil)
        // 55 % came 19.9 s after the last line: held back; at 20 s it goes.
        #expect(throttle.levelToAnnounce(progress: 55, lastLevel: 25, lastAt: t0, now: t0 + 19.9) == nil)
        #expect(throttle.levelToAnnounce(progress: 55, lastLevel: 25, lastAt: t0, now: t0 + 20) == 50)
        // 100 % is the result's business, not progress.
        #expect(throttle.levelToAnnounce(progress: 100, lastLevel: 50, lastAt: t0, now: t0 + 60) == 75)
        #expect(throttle.levelToAnnounce(progress: 100, lastLevel: 75, lastAt: t0, now: t0 + 60) == nil)
    }

    @Test func configSpellings() {
        #expect(ProgressPolicy(configValue: "every25") == .quarter)
        #expect(ProgressPolicy(configValue: "Quarter") == .quarter)
        #expect(ProgressPolicy(configValue: "started") == .started)
        #expect(ProgressPolicy(configValue: "loud") == nil)
    }
}
