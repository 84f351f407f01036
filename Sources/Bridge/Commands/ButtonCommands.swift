import MidjourneyAPI
import Store

/// What a button press needs when the proxy answers code 21 (modal).
struct ModalInput: Sendable {
    /// The prompt to confirm with; gets the parent task and the pre-filled prompt from the
    /// code-21 answer. Nil result = let the proxy use its pre-filled prompt.
    var prompt: @Sendable (TaskRecord, String?) -> String?
    var mask: String?
}

/// Commands that press a button of a finished task.
extension CommandContext {
    func gridButton(letter: String) async {
        guard let index = Int(invocation.invokedName.dropFirst()), (1...4).contains(index), words.count <= 1 else {
            return await usage()
        }
        let kind: ButtonKind = letter == "u" ? .upscale(index) : .variation(index)
        await press(kind: kind, name: "\(letter.uppercased())\(index)", reference: words.first, newKind: "\(letter)\(index)")
    }

    func reroll() async {
        guard words.count <= 1 else { return await usage() }
        await press(kind: .reroll, name: "reroll", reference: words.first, newKind: "reroll")
    }

    func vary() async {
        let options: [String: ButtonKind] = ["subtle": .varySubtle, "strong": .varyStrong]
        guard let first = words.first, let kind = options[first.lowercased()], words.count <= 2 else { return await usage() }
        await press(kind: kind, name: "Vary (\(first.capitalized))", reference: words.dropFirst().first, newKind: "vary \(first.lowercased())")
    }

    func pan() async {
        guard let first = words.first, let direction = ButtonKind.PanDirection(rawValue: first.lowercased()), words.count <= 2 else {
            return await usage()
        }
        await press(kind: .pan(direction), name: "pan \(direction.rawValue)", reference: words.dropFirst().first,
                    newKind: "pan \(direction.rawValue)")
    }

    func upscale() async {
        let options: [String: ButtonKind] = ["subtle": .upscaleSubtle, "creative": .upscaleCreative, "2x": .upscale2x, "4x": .upscale4x]
        guard let first = words.first, let kind = options[first.lowercased()], words.count <= 2 else { return await usage() }
        await press(kind: kind, name: "Upscale (\(first))", reference: words.dropFirst().first, newKind: "upscale \(first.lowercased())")
    }

    func zoom() async {
        guard let first = words.first?.lowercased() else { return await usage() }
        if first == "2x" || first == "1.5x" {
            guard words.count <= 2 else { return await usage() }
            await press(kind: first == "2x" ? .zoomOut2x : .zoomOut1_5x, name: "Zoom Out \(first)",
                        reference: words.dropFirst().first, newKind: "zoom \(first)")
            return
        }
        guard let factor = Double(first.hasSuffix("x") ? String(first.dropLast()) : first), (1.0...2.0).contains(factor) else {
            await reply("Zoom takes 1.5x, 2x, or a custom factor from 1.0 to 2.0 (e.g. \(prefix)zoom 1.3).")
            return
        }
        var rest = Array(words.dropFirst())
        let reference = rest.first.flatMap { Self.isReference($0) ? $0 : nil }
        if reference != nil { rest.removeFirst() }
        let newPrompt = PromptSanitizer.sanitize(rest.joined(separator: " ")).text
        let factorText = first.hasSuffix("x") ? String(first.dropLast()) : first
        let input = ModalInput(prompt: { parent, prefilled in
            let base = newPrompt.isEmpty ? (prefilled ?? parent.finalPrompt ?? parent.prompt) : newPrompt
            return Self.removingZoom(base) + " --zoom \(factorText)"
        })
        await press(kind: .customZoom, name: "Custom Zoom", reference: reference, newKind: "zoom \(factorText)", modal: input)
    }

    func region() async {
        guard let maskURL = words.first else { return await usage() }
        var rest = Array(words.dropFirst())
        let reference = rest.first.flatMap { Self.isReference($0) ? $0 : nil }
        if reference != nil { rest.removeFirst() }
        let newPrompt = PromptSanitizer.sanitize(rest.joined(separator: " ")).text
        // The mask comes first and can only be an image, so a bare ref there is the mask's.
        guard let sources = await imageSources(for: [ImageInput.parse(maskURL, bareReferences: true)]),
              let mask = await dataURLs(for: sources)?.first else { return }
        let input = ModalInput(prompt: { _, _ in newPrompt.isEmpty ? nil : newPrompt }, mask: mask)
        await press(kind: .varyRegion, name: "Vary (Region)", reference: reference, newKind: "region", modal: input)
    }

    func pick() async {
        guard let first = words.first, let index = Int(first), (1...4).contains(index), words.count <= 2 else { return await usage() }
        let input = ModalInput(prompt: { parent, prefilled in
            let prompts = TaskRenderer.describedPrompts(parent.finalPrompt ?? "")
            return index <= prompts.count ? prompts[index - 1] : prefilled
        })
        await press(kind: .describePick(index), name: "pick \(index)", reference: words.dropFirst().first, newKind: "pick", modal: input)
    }

    /// `!btn <n|label> [ref]`: any button, so new Midjourney buttons work without new code.
    func pressAny() async {
        var selectorWords = words
        guard !selectorWords.isEmpty else { return await usage() }
        var reference: String?
        if selectorWords.count > 1, let last = selectorWords.last, Self.isReference(last) {
            reference = last
            selectorWords.removeLast()
        }
        let selector = selectorWords.joined(separator: " ")
        guard let parent = await resolve(reference, lacking: "with buttons", where: { task in
            task.status == "SUCCESS" && !TaskButton.decode(task.buttonsJSON).isEmpty
        }) else { return }
        let buttons = TaskButton.decode(parent.buttonsJSON)
        let chosen: TaskButton?
        if let number = Int(selector) {
            chosen = (1...buttons.count).contains(number) ? buttons[number - 1] : nil
        } else {
            let wanted = ChatText.caseFolded(selector)
            chosen = buttons.first { ChatText.caseFolded($0.label) == wanted || (!$0.emoji.isEmpty && $0.emoji == selector) }
        }
        guard let button = chosen else {
            let list = buttons.enumerated().map { "\($0.offset + 1) \($0.element.displayName)" }.joined(separator: ", ")
            await reply("ref \(await ref(of: parent)) has no button \"\(ChatText.truncated(selector, to: 30))\"; it has: \(list).")
            return
        }
        // Buttons that always open a window (describe/shorten picks) are confirmed with the
        // prompt the proxy pre-filled; the ones needing a zoom factor or a mask have commands.
        // Remix windows (code 21 on V/reroll/vary/pan) wait for !remix, as with the commands.
        var modal: ModalInput?
        switch button.kind.modal {
        case .always, .unlessAutoSubmit:
            switch button.kind.modalInput {
            case .prompt:
                modal = ModalInput(prompt: { _, _ in nil })
            case .zoomPrompt:
                let ref = await ref(of: parent)
                return await reply("That button needs a zoom factor: \(prefix)zoom <1.0-2.0> \(ref) [prompt].")
            case .mask:
                let ref = await ref(of: parent)
                return await reply("That button needs a mask: \(prefix)region <mask> \(ref) [prompt].")
            }
        case .whenRemix, .never:
            modal = nil
        }
        let newKind: String
        switch button.kind {
        case .describePick, .shortenPick: newKind = "pick"
        default: newKind = button.displayName
        }
        await press(button, of: parent, newKind: newKind, modal: modal)
    }

    /// `!remix [ref] <new prompt>`: confirms a MODAL task waiting for a prompt.
    func remix() async {
        var rest = words
        let reference = rest.first.flatMap { Self.isReference($0) ? $0 : nil }
        if reference != nil { rest.removeFirst() }
        let newPrompt = PromptSanitizer.sanitize(rest.joined(separator: " ")).text
        guard !newPrompt.isEmpty else { return await usage() }
        guard let waiting = await resolve(reference, lacking: "waiting for a remix prompt", where: { task in
            task.status.uppercased() == "MODAL" && !task.isTerminal
        }) else { return }
        guard privacy.mayControl(waiting) else {
            return await reply("Only the one who started ref \(await ref(of: waiting)) (or an admin) can remix it.")
        }
        guard waiting.status.uppercased() == "MODAL", !waiting.isTerminal else {
            await reply("ref \(await ref(of: waiting)) is not waiting for a prompt.")
            return
        }
        let response: SubmitResponse
        do {
            response = try await client.modal(ModalRequest(taskId: waiting.id, prompt: newPrompt))
        } catch {
            return await fail(error)
        }
        guard response.code.isAccepted else { return await reply(ProxyErrorText.sentence(for: response)) }
        let ref = await ref(of: waiting)
        let text = renderer.acknowledgement(what: renderer.subject(kind: "remix", prompt: newPrompt), ref: ref,
                                            queuePosition: response.code == .queued ? response.numberOfQueues : nil)
        let reply = bridge.addressing.reply(to: event, text)
        let now = bridge.clock.now()
        let isChannel = event.target.channelName != nil
        do {
            _ = try await store.update(taskId: waiting.id) { task, lines in
                task.prompt = newPrompt
                task.kind = "remix"
                task.deadline = now.addingTimeInterval(bridge.configuration.taskDeadline)
                lines.append(OutboxLine(network: reply.network, target: reply.target, isChannel: isChannel, text: reply.text,
                                        style: reply.style.rawValue, taskId: task.id, createdAt: now, replyTo: event.replyTo))
            }
            await bridge.delivery.wake(network: waiting.network)
        } catch {
            await storeFailed(error)
        }
    }

    // MARK: Pressing

    /// Presses the button of `kind` on the referenced task, or on the caller's newest task here
    /// that offers it.
    func press(kind: ButtonKind, name: String, reference: String?, newKind: String, modal: ModalInput? = nil) async {
        guard let parent = await resolve(reference, lacking: "offering \(name)", where: { task in
            task.status == "SUCCESS" && TaskButton.decode(task.buttonsJSON).contains { $0.kind == kind }
        }) else { return }
        guard let button = TaskButton.decode(parent.buttonsJSON).first(where: { $0.kind == kind }) else {
            let offered = renderer.nextHints(TaskButton.decode(parent.buttonsJSON))
            let ref = await ref(of: parent)
            await reply(parent.status == "SUCCESS"
                ? "ref \(ref) has no \(name) button\(offered.isEmpty ? "" : "; it offers \(offered)")."
                : "ref \(ref) is not finished yet (\(parent.status.lowercased())).")
            return
        }
        await press(button, of: parent, newKind: newKind, modal: modal)
    }

    func press(_ button: TaskButton, of parent: TaskRecord, newKind: String, modal: ModalInput?) async {
        let kind = button.kind == .imagineAll ? "imagine" : newKind
        guard let submission = await beginSubmission(kind: kind, prompt: parent.prompt, parentId: parent.id) else { return }
        let response: SubmitResponse
        do {
            response = try await client.action(ActionRequest(taskId: parent.id, customId: button.customId,
                                                             notifyHook: notifyHook, state: submission.state))
        } catch {
            return await fail(error, submission: submission)
        }
        switch response.code {
        case .submitted, .queued:
            if button.kind == .imagineAll {
                await accept(response, kind: "imagine", prompt: parent.prompt, parentId: parent.id,
                             prompts: TaskRenderer.describedPrompts(parent.finalPrompt ?? ""), submission: submission)
            } else {
                await accept(response, kind: newKind, prompt: parent.prompt, parentId: parent.id, submission: submission)
            }
        case .modalRequired:
            guard let modalTaskId = response.taskId else {
                await refused(submission)
                return await reply("The image service asked for more input but gave no task id.")
            }
            guard let modal else {
                // Remix: the user gives the prompt with !remix.
                let renderer = self.renderer
                let prefilled = response.finalPrompt ?? parent.prompt
                await track(taskId: modalTaskId, kind: newKind, prompt: prefilled, parentId: parent.id, status: "MODAL",
                            submission: submission,
                            acknowledgement: { ref in renderer.remixWaiting(ref: ref, prefilled: prefilled) })
                return
            }
            // The MODAL task carries the intent's `state`; the intent stays open until the
            // confirmation is answered, so a crash in between still finds it.
            let prompt = modal.prompt(parent, response.finalPrompt)
            let confirmed: SubmitResponse
            do {
                confirmed = try await client.modal(ModalRequest(taskId: modalTaskId, prompt: prompt, maskBase64: modal.mask))
            } catch {
                return await fail(error, submission: submission)
            }
            guard confirmed.code.isAccepted else {
                await refused(submission)
                return await reply(ProxyErrorText.sentence(for: confirmed))
            }
            await track(taskId: confirmed.taskId ?? modalTaskId, kind: newKind, prompt: prompt ?? response.finalPrompt ?? parent.prompt,
                        parentId: parent.id,
                        queuePosition: confirmed.code == .queued ? confirmed.numberOfQueues : nil, submission: submission)
        default:
            await refused(submission)
            await reply(ProxyErrorText.sentence(for: response))
        }
    }

    /// A prompt without its `--zoom` parameter (custom zoom sets its own).
    static func removingZoom(_ prompt: String) -> String {
        var words = prompt.split(separator: " ").map(String.init)
        if let index = words.firstIndex(where: { $0.lowercased() == "--zoom" }) {
            words.removeSubrange(index..<min(index + 2, words.count))
        }
        return words.joined(separator: " ")
    }
}
