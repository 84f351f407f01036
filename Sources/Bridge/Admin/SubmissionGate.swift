import Store

/// Whether a submission may go ahead here and now: refused while paused (with the admins'
/// message) and, with `require_account`, for senders without a services account. Pure.
public enum SubmissionGate {
    /// The sentence for the sender, or nil to go ahead. Admins and owners are not asked for
    /// an account (a hostmask owner has none); a pause holds for everyone, owners included,
    /// so what they see is what users see.
    public static func refusal(spec: CommandSpec, role: Role, event: ChatEvent, access: NetworkAccess,
                               pause: PauseSetting?) -> String? {
        guard spec.isSubmission else { return nil }
        if access.requireAccount, role < .admin, !(event.accountVerified && !(event.account ?? "").isEmpty) {
            return "only users logged in to a services account can start jobs here: log in (e.g. /msg NickServ IDENTIFY <account> <password>, or SASL) and try again."
        }
        if let pause {
            let place = pause.isGlobal ? "New jobs are paused" : "New jobs are paused in \(pause.channel ?? "this channel")"
            if let message = pause.message, !message.isEmpty { return "\(place): \(message)" }
            return "\(place) for now; running jobs still finish. Try again later."
        }
        return nil
    }
}
