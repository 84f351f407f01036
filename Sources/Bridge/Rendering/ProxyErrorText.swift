import MidjourneyAPI

/// One clear sentence for each way a request to the proxy can fail. Users never see the
/// key's details (a rejected key is the admins' business); owners get the full story.
public enum ProxyErrorText {
    /// `prefix` is the command prefix, for sentences that suggest a command.
    public static func sentence(for error: MJError, forOwner: Bool, prefix: String = "!") -> String {
        switch error {
        case .rejected(let response):
            return sentence(for: response)
        case .apiKeyRejected:
            return forOwner ? error.description
                : "The image service refused the bot's credentials — the bot's admins need to look at its configuration."
        case .badBaseURL, .redirected, .notFound, .decoding, .httpStatus:
            return forOwner ? error.description
                : "The bot cannot talk to the image service properly right now — the bot's admins need to look at it."
        case .unreachable:
            return forOwner ? error.description : "The image service cannot be reached right now; try again in a few minutes."
        case .connectionLost:
            return forOwner ? error.description : "The connection to the image service broke; try again in a minute."
        case .rateLimited, .server, .invalidRequest:
            return error.description.replacingOccurrences(of: "Midjourney proxy", with: "image service")
        case .cancelled:
            return "The bot is shutting down; try again when it is back."
        case .timeout(let submit):
            return submit
                ? "The image service did not answer in time; the job may still have started — check with \(prefix)tasks before trying again."
                : "The image service did not answer in time; try again in a minute."
        }
    }

    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        (0x3000...0x9FFF).contains(scalar.value) || (0xFF00...0xFFEF).contains(scalar.value)
    }

    /// A submit answer that is not an acceptance.
    public static func sentence(for response: SubmitResponse) -> String {
        // A Chinese server message nobody has translated yet would not be a clear sentence
        // for most users; the full text is in the log.
        let readable = ProxyText.english(for: response.description)
            ?? (response.description.unicodeScalars.contains(where: Self.isCJK) ? "" : response.description)
        let detail = ChatText.truncated(ChatText.untrusted(readable), to: 160)
        switch response.code {
        case .bannedPrompt:
            if let word = response.bannedWord, !word.isEmpty {
                return "Midjourney refuses that prompt because of the word «\(ChatText.truncated(ChatText.untrusted(word), to: 40))»."
            }
            return "Midjourney refuses that prompt: it contains a banned word."
        case .queueFull:
            return "The image service's queue is full; try again in a few minutes."
        case .failure:
            if response.description.contains("队列已满") {
                return "The image service's queue is full; try again in a few minutes."
            }
            return "The image service could not take the job\(detail.isEmpty ? "" : " (\(detail))"); try again later."
        case .notFound:
            return "The image service has no account free for this (or the original task is gone)\(detail.isEmpty ? "" : ": \(detail)")."
        case .validation:
            return "The image service rejected the request\(detail.isEmpty ? "" : ": \(detail)")."
        case .gatewayError:
            return "The gateway in front of the image service failed; try again later."
        case .rateLimited:
            return "The image service asks us to slow down; try again in a minute."
        case .modalRequired:
            return "The image service wants more input for this action."
        case .submitted, .queued:
            return "Submitted."
        case .other(let code):
            return "The image service refused (code \(code))\(detail.isEmpty ? "" : ": \(detail)")."
        }
    }
}
