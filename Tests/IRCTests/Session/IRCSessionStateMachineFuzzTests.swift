import Testing
@testable import IRC

/// Random event sequences against a model of the shell: the shell runs exactly the timers the
/// actions start and stops the ones they cancel, and fires only those. After every step the
/// shell's timers must be the machine's live timers (so the actor's table can never grow past
/// them), every rejoin timer must be for a wanted channel, and nothing is sent while the
/// machine is not registered.
@Suite struct IRCSessionStateMachineFuzzTests {
    static let channels = ["#a", "#B", "#c", "#d[x]"]
    static let nicks = ["bot", "bot_", "Guest1"]

    private func randomEvent(_ random: inout SplitMix64, running: [SessionTimer]) -> IRCSessionStateMachine.Event {
        let channel = Self.channels.randomElement(using: &random)!
        let nick = Self.nicks.randomElement(using: &random)!
        let us = "\(nick)!u@h"
        switch Int.random(in: 0..<12, using: &random) {
        case 0: return .registered(nick: nick)
        case 1: return .connectionEnded
        case 2: return .joinRequested(WantedChannel(channel.uppercased()))
        case 3: return .partRequested(channel: channel.lowercased(), reason: nil)
        case 4: return .received(Message(source: Source(parsing: Substring(us)), command: "JOIN", params: [channel]))
        case 5: return .received(Message(source: Source(parsing: "op!o@h"), command: "KICK", params: [channel, nick, "out"]))
        case 6: return .received(Message(source: Source(nick: "srv"), command: ["471", "473", "474", "475", "403"].randomElement(using: &random)!,
                                         params: [nick, channel, "no"]))
        case 7: return .received(Message(source: Source(parsing: Substring(us)), command: "NICK", params: [Self.nicks.randomElement(using: &random)!]))
        case 8: return .received(Message(source: Source(parsing: Substring(us)), command: "PART", params: [channel]))
        default:
            // Mostly timers that run; sometimes a stale fire of one that does not.
            if let timer = running.randomElement(using: &random), Int.random(in: 0..<4, using: &random) > 0 { return .timerFired(timer) }
            return .timerFired(Bool.random(using: &random) ? .nickRegain : .rejoin(channel.lowercased()))
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func shellTimersAlwaysEqualTheLiveOnes(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var machine = IRCSessionStateMachine(configuration: SessionConfiguration(
            nick: "bot", channels: [WantedChannel("#a"), WantedChannel("#c", key: "k")], rejoinDelay: .seconds(1)))
        var running: Set<SessionTimer> = []
        var maxRunning = 0
        for step in 0..<5_000 {
            let event = randomEvent(&random, running: running.sorted { "\($0)" < "\($1)" })
            if case .timerFired(let timer) = event, running.contains(timer) { running.remove(timer) }
            let wasRegistered = machine.isRegistered
            let actions = machine.handle(event)
            for action in actions {
                switch action {
                case .startTimer(let timer, _):
                    #expect(!running.contains(timer), "step \(step): \(timer) started while running, without a cancel first")
                    running.insert(timer)
                case .cancelTimer(let timer):
                    #expect(running.remove(timer) != nil, "step \(step): cancelled \(timer), which was not running")
                case .send:
                    #expect(wasRegistered || machine.isRegistered, "step \(step): sent while not registered (\(event))")
                case .emit, .log:
                    break
                }
            }
            #expect(running == machine.liveTimers, "step \(step) after \(event)")
            for case .rejoin(let key) in machine.liveTimers {
                #expect(machine.desiredChannels.contains { machine.support.caseMapping.lowercased($0.name) == key }, "step \(step)")
            }
            maxRunning = max(maxRunning, running.count)
            if running != machine.liveTimers { return }
        }
        #expect(maxRunning <= Self.channels.count + 1)
        // The walk reached states with several timers at once, or it proved little.
        #expect(maxRunning >= 3)
    }
}
