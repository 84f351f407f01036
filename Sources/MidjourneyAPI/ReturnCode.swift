/// The `code` of a submit response, per the servers' own tables (contract §3) — not the new-api
/// documentation page, whose table (21 = parameter error, 23 = system error, …) is wrong.
public enum ReturnCode: Sendable, Hashable, CustomStringConvertible {
    /// 1: accepted, `result` is the task id.
    case submitted
    /// 22: accepted but waiting; `properties.numberOfQueues` tasks ahead.
    case queued
    /// 21: a MODAL task was created (`result`); confirm it with `/submit/modal`.
    case modalRequired
    /// 23: the account's queue is full (novicezk/plus; trueai says 9 instead).
    case queueFull
    /// 24: banned word in the prompt (`properties.bannedWord`).
    case bannedPrompt
    /// 3: no account available, or the parent task is gone.
    case notFound
    /// 4: validation error (also new-api's own request errors, e.g. `task_no_found`).
    case validation
    /// 9: system failure (trueai: also queue full).
    case failure
    /// 5: new-api gateway error.
    case gatewayError
    /// 30: new-api channel rate limit.
    case rateLimited
    /// Anything else, e.g. trueai's `{success:false, code:-1}` exception envelope.
    case other(Int)

    public init(_ value: Int) {
        switch value {
        case 1: self = .submitted
        case 22: self = .queued
        case 21: self = .modalRequired
        case 23: self = .queueFull
        case 24: self = .bannedPrompt
        case 3: self = .notFound
        case 4: self = .validation
        case 9: self = .failure
        case 5: self = .gatewayError
        case 30: self = .rateLimited
        default: self = .other(value)
        }
    }

    public var value: Int {
        switch self {
        case .submitted: 1
        case .queued: 22
        case .modalRequired: 21
        case .queueFull: 23
        case .bannedPrompt: 24
        case .notFound: 3
        case .validation: 4
        case .failure: 9
        case .gatewayError: 5
        case .rateLimited: 30
        case .other(let value): value
        }
    }

    /// The task was created and will run (1, 22).
    public var isAccepted: Bool { self == .submitted || self == .queued }

    /// Worth trying again later without changing the request (queue full, system failure,
    /// gateway trouble). Never done automatically for submits.
    public var isTransient: Bool {
        switch self {
        case .queueFull, .failure, .gatewayError, .rateLimited: true
        default: false
        }
    }

    public var description: String { String(value) }
}
