extension CommandSpec {
    /// Whether running it sends a job to the proxy (the owner's credits): `!pause` and
    /// `require_account` refuse exactly these. The list is `JobCommands.sendingText` — the job
    /// commands the limits count, plus `!remix`, which confirms a job already counted — so
    /// pauses and limits cannot disagree about what a job is.
    public var isSubmission: Bool { JobCommands.sendsText(self) }
}
