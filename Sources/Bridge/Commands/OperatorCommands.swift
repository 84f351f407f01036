import Foundation
import Store

/// Running the bot from chat: re-reading its config (owners) and a look at the day's numbers
/// (admins).
public enum OperatorCommands {
    public static let reload = CommandSpec(
        name: "reload",
        summary: "Re-reads bot.conf without dropping connections (owners, channels, progress, prefix, reply style, log level, limits, owner masks) and says what needs a restart.",
        examples: ["reload"], minimumRole: .owner)
    public static let stats = CommandSpec(
        name: "stats",
        summary: "Today's (UTC) jobs: submitted, succeeded, failed, cancelled, median time to result, pending now; proxy errors and reconnects.",
        examples: ["stats"], minimumRole: .admin)

    public static let all = [reload, stats]
}

extension CommandContext {
    func reloadConfiguration() async {
        guard words.isEmpty else { return await usage() }
        guard let reloader = bridge.reloader else {
            return await reply("This bot was not started from a config file, so there is nothing to re-read.")
        }
        let report = await reloader.reload()
        await reloadAudited(report)
        await reply(report.text)
    }

    /// `!reload` is an owner action: the audit table (`!audit`) and the log record it.
    func reloadAudited(_ report: ReloadReport) async {
        bridge.logger.notice("reload from chat", metadata: [
            "by": "\(event.sender)", "account": "\(event.account ?? "-")", "applied": "\(report.applied)",
            "result": "\(report.text)",
        ])
        await audit(report.applied ? "ok" : "refused: config did not load", target: ChatText.truncated(report.text, to: 120))
    }

    func statsReport() async {
        guard words.isEmpty else { return await usage() }
        let now = bridge.clock.now()
        let day = DailyStatistics.utcDay(containing: now)
        let statistics: DailyStatistics
        let pending: Int
        do {
            statistics = DailyStatistics(day: day, tasks: try await store.tasks(createdOrFinishedFrom: day.start, to: day.end))
            pending = try await store.pendingTasks().count
        } catch {
            return await storeFailed(error)
        }
        await audit("ok")
        await reply(Self.statsText(statistics, pending: pending, counters: bridge.counters.snapshot, now: now))
    }

    /// `Today (UTC): 5 submitted, 3 succeeded, 1 failed, 1 cancelled, median 42 s to result; 2 pending now;
    /// 1 proxy error, 0 reconnects.` The last two are counted in memory, so a bot started today
    /// says since when: `...; since the start at 07:12 UTC: 1 proxy error, 0 reconnects.`
    static func statsText(_ s: DailyStatistics, pending: Int, counters: ActivityCounters.Snapshot, now: Date) -> String {
        var failed = "\(s.failed) failed"
        if s.timedOut > 0 { failed += " (\(s.timedOut) timed out)" }
        let median = s.medianSecondsToResult.map { "median \(age($0.rounded())) to result" } ?? "no result yet"
        return "Today (UTC): \(s.submitted) submitted, \(s.succeeded) succeeded, \(failed), \(s.cancelled) cancelled, "
            + "\(median); \(pending) pending now; "
            + (counters.startedAt > counters.day.start ? "since the start at \(Self.time(counters.startedAt)) UTC: " : "")
            + "\(count(counters.proxyErrors, "proxy error")), \(count(counters.reconnects, "reconnect"))."
    }
}
