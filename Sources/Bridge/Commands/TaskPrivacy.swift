import Store

/// Who may see and who may steer a task. A task belongs to the conversation it was asked in
/// (a channel, or the private conversation with its owner); its details (`!status`, `!seed`,
/// `!tasks`) are shown there, to its owner in private, and to admins — never in another
/// channel or to another nick in private, even for a full task id. Cancelling or remixing
/// someone else's task needs the same services account (a nick proves nothing) or an admin.
///
/// One pure rule for every command, so the admin check changes in one place.
struct TaskPrivacy: Sendable {
    /// Where the command was said and by whom.
    let caller: TaskRoute
    let isAdmin: Bool
    /// The caller's `LimitIdentity` key: `*!user@host` for a user without an account.
    var callerKey: String? = nil

    /// The task may be named, shown or used as a parent in this conversation.
    func maySee(_ task: TaskRecord) -> Bool {
        if isAdmin { return true }
        guard task.network == caller.network else { return false }
        if let channel = task.channel, let here = caller.channel, TaskRoute.fold(channel) == TaskRoute.fold(here) {
            return true
        }
        // Any of the owner's tasks may be looked at in private with the bot.
        return caller.channel == nil && isOwner(of: task)
    }

    /// The caller may cancel the task or answer its remix prompt.
    func mayControl(_ task: TaskRecord) -> Bool {
        isAdmin || (task.network == caller.network && isOwner(of: task))
    }

    /// The one who started the task: by services account when the task has one (then the
    /// caller must be identified as that account); else by `*!user@host` when that was known
    /// (a nick change keeps the task, another user wearing the nick does not get it); else by
    /// nick, all that was known then.
    func isOwner(of task: TaskRecord) -> Bool {
        if let account = task.account {
            guard let callerAccount = caller.account else { return false }
            return TaskRoute.fold(callerAccount) == TaskRoute.fold(account)
        }
        if let key = task.userKey, LimitIdentity.isMask(key) {
            return key == callerKey
        }
        return TaskRoute.fold(caller.nick) == task.nickKey
    }
}

extension CommandContext {
    /// The privacy rule for this command's caller: admins (and owners) see every task.
    var privacy: TaskPrivacy { TaskPrivacy(caller: route, isAdmin: isAdmin, callerKey: LimitIdentity.key(of: event)) }
}
