import MidjourneyAPI

/// The sentences about submissions whose fate the bot does not know.
extension TaskRenderer {
    /// What was asked, led by the command: `imagine «a red fox»`, `u2 of «a red fox»`, `describe`.
    func submissionName(kind: String, prompt: String) -> String {
        let subject = self.subject(kind: kind, prompt: prompt)
        return subject.hasPrefix(kind) ? subject : "\(kind) \(subject)"
    }

    /// The user's job was neither found again (callback, the proxy's task list) nor refused.
    public func lostTrack(kind: String, prompt: String) -> String {
        "⚠️ I lost track of your \(submissionName(kind: kind, prompt: prompt)) (the image service may have taken it) — check \(prefix)tasks later."
    }

    /// A submit whose answer never came or could not be read: the job may be running.
    func unconfirmedSubmit(_ error: MJError) -> String {
        let why: String
        switch error {
        case .timeout: why = "no answer in time"
        case .connectionLost: why = "the connection broke"
        case .server(let status), .httpStatus(let status, _): why = "HTTP \(status)"
        default: why = "an answer I could not read"
        }
        return "The image service did not confirm the job (\(why)); it may still have started — if it did, I'll post the result here."
    }
}
