import MidjourneyAPI
import Store

/// Commands about existing tasks: seed, status, cancel, tasks.
extension CommandContext {
    func seed() async {
        guard words.count <= 1 else { return await usage() }
        guard let task = await resolve(words.first, lacking: "with a finished image", where: { $0.status == "SUCCESS" }) else { return }
        let ref = await ref(of: task)
        do {
            let seed = try await client.imageSeed(id: task.id)
            await reply("🌱 seed of ref \(ref): \(ChatText.truncated(ChatText.wireSafe(seed), to: 40))")
        } catch .rejected(let response) where response.code == .validation {
            // Results without a Discord message (shorten, describe) have no seed.
            bridge.logger.notice("image-seed refused", metadata: ["task": "\(task.id)", "answer": "\(response.description)"])
            await reply("ref \(ref) has no seed: only image results have one.")
        } catch {
            await fail(error)
        }
    }

    func status() async {
        guard words.count <= 1 else { return await usage() }
        guard var task = await resolve(words.first, lacking: "", where: { _ in true }) else { return }
        if !task.isTerminal || task.timedOut {
            do {
                if let fresh = try await client.fetch(id: task.id) {
                    if task.timedOut, fresh.status.isTerminal {
                        // The result came after our deadline: it goes out as the answer, once
                        // (from the mirror job when the images are mirrored first: not waited for).
                        if await bridge.tracker.apply(TaskSnapshot(fresh), awaitingMirror: false) == .applied { return }
                    } else if task.timedOut {
                        // Our deadline passed, but the user asks again: tell them what the proxy says now.
                        task.status = fresh.status.rawValue
                        task.progress = fresh.progress
                        task.imageUrl = fresh.imageUrl ?? task.imageUrl
                        task.failReason = fresh.failReason ?? task.failReason
                    } else {
                        await bridge.tracker.apply(TaskSnapshot(fresh), awaitingMirror: false)
                        task = (try? await store.task(id: task.id)) ?? task
                        // Finished, its images being mirrored: the result line follows on its own.
                        if !task.isTerminal, await bridge.tracker.isMirroring(task.id) {
                            let ref = await ref(of: task)
                            return await reply("ref \(ref) \(renderer.subject(kind: task.kind, prompt: task.prompt)): ✅ finished, its result line follows in a moment.")
                        }
                    }
                }
            } catch {
                return await fail(error)
            }
        }
        await reply(statusLine(task, ref: await ref(of: task), links: await links(of: task)))
    }

    /// A finished task's links for `!status` and `!tasks`: the bot's short links once mirrored
    /// (also when the mirror only worked later, in the background), else the proxy's link.
    func links(of task: TaskRecord) async -> ResultLinks? {
        guard task.status == "SUCCESS" else { return nil }
        // A describe or shorten result is text: its result line links nothing.
        let action = task.action?.uppercased()
        guard action != "DESCRIBE", action != "SHORTEN", task.kind != "describe", task.kind != "shorten" else { return nil }
        let hosted = await bridge.resultImageHost?.hostedLinks(forTask: task.id)
        let links = ResultLinks(stored: task.imageUrl, hosted: hosted)
        return links.isEmpty ? nil : links
    }

    func cancel() async {
        guard words.count <= 1 else { return await usage() }
        guard let task = await resolve(words.first, lacking: "still running", where: { !$0.isTerminal }) else { return }
        let ref = await ref(of: task)
        guard privacy.mayControl(task) else {
            return await reply("Only the one who started ref \(ref) (or an admin) can cancel it.")
        }
        // An admin cancelling someone else's job is an admin action.
        if !privacy.isOwner(of: task) { await audit("allowed", target: "\(task.id) of \(task.account ?? task.nick)") }
        guard !task.isTerminal else { return await reply("ref \(ref) has already finished.") }
        do {
            _ = try await client.cancel(id: task.id)
            await reply("Cancelling ref \(ref).")
            if let fresh = try await client.fetch(id: task.id) {
                await bridge.tracker.apply(TaskSnapshot(fresh), awaitingMirror: false)
            }
        } catch .rejected(let response) where response.code == .validation {
            // Usually "already finished": the proxy knows before the bot does. Learn the
            // outcome now (its result line follows) instead of reporting a refusal.
            if let fresh = try? await client.fetch(id: task.id), fresh.status.isTerminal {
                await reply("ref \(ref) has already finished.")
                await bridge.tracker.apply(TaskSnapshot(fresh), awaitingMirror: false)
            } else {
                await reply(ProxyErrorText.sentence(for: response))
            }
        } catch {
            await fail(error)
        }
    }

    func listTasks() async {
        guard words.isEmpty else { return await usage() }
        do {
            // The store matches by nick or account; only the caller's own, by `TaskPrivacy`, are listed.
            let privacy = self.privacy
            let tasks = try await store.tasks(of: route, limit: StoreConventions.recentWindow)
                .filter { privacy.maySee($0) && privacy.isOwner(of: $0) }.prefix(bridge.configuration.tasksListed)
            guard !tasks.isEmpty else { return await reply("You have no tasks here yet.") }
            let ids = try await store.recentTasks(scopeKey: route.scopeKey).map(\.id)
            var items: [String] = []
            for task in tasks {
                // The bot's short grid link only: five links per task, or the proxy's 200–300-byte
                // ones, would make the list a flood; `!status <ref>` has them all.
                let hosted = await links(of: task).flatMap { $0.isHosted ? $0.grid : nil }
                let link = hosted.map { " → \(TaskRenderer.postable(ChatText.untrusted($0)))" } ?? ""
                items.append("\(ShortReference.make(for: task.id, among: ids)) \(renderer.subject(kind: task.kind, prompt: task.prompt)) \(Self.badge(task))\(link)")
            }
            await reply("Your tasks here: " + items.joined(separator: " · "))
        } catch {
            await storeFailed(error)
        }
    }

    func statusLine(_ task: TaskRecord, ref: String, links: ResultLinks? = nil) -> String {
        var line = "ref \(ref) \(renderer.subject(kind: task.kind, prompt: task.prompt)): \(Self.badge(task))"
        if let links { line += TaskRenderer.statusLinks(links) }
        else if task.status == "SUCCESS", let url = task.imageUrl { line += " → \(ChatText.stripFormatting(url))" }
        if task.status == "FAILURE" { line += " (\(TaskRenderer.readableFailReason(task.failReason)))" }
        return line
    }

    static func badge(_ task: TaskRecord) -> String {
        switch task.status.uppercased() {
        case "SUCCESS": return "✅"
        case "FAILURE": return task.failReason?.contains("取消任务") == true ? "🚫" : "❌"
        case "CANCEL": return "🚫"
        case "IN_PROGRESS": return task.timedOut ? "⏱ \(task.progress ?? 0) %" : "⏳ \(task.progress ?? 0) %"
        case "MODAL": return "✏️ waiting for \(task.kind == "remix" ? "the proxy" : "a remix prompt")"
        case "SUBMITTED": return task.timedOut ? "⏱ submitted" : "⏳ submitted"
        default: return task.timedOut ? "⏱ waiting" : "⏳ waiting"
        }
    }
}
