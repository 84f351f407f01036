/// `GET /_sim/switches` and `POST /_sim/switches`: the failure-injection switches over HTTP, so
/// a simulator started with `mjbridge simulate` can be made to misbehave during a manual trial
/// (`curl -d '{"outage":true}' http://127.0.0.1:8080/_sim/switches`). It needs the simulator's
/// API key when one is set, is answered even during an outage and never counts as a proxy
/// request.
///
/// The POST body is a JSON object with any of the keys of `SimulatorSwitches.httpKeys`; only
/// the keys present change. Two keys are one-shot actions instead of switches:
/// `"failNextTasks": {"count": 2, "reason": "..."}` and `"expireImageLinks": true`.
/// The answer is the full set of switches after the change; a bad key or value is answered
/// 400 `{"error": "..."}` and changes nothing.
extension SimulatedProxy {
    func switchesEndpoint(_ request: SimRequest) -> SimReply {
        guard request.method == "POST" else { return .json(switches.httpJSON) }
        guard let object = JSONValue.parse(request.body)?.objectValue else {
            return .json(["error": "the body must be a JSON object of switches", "keys": Self.allKeysJSON], status: 400)
        }
        var changed = switches
        var failNext: (count: Int, reason: String)?
        var expire = false
        do throws(SwitchError) {
            for (key, value) in object.pairs {
                switch key {
                case "failNextTasks":
                    guard let count = value["count"].flatMap(SwitchValue.int), count >= 0 else {
                        throw SwitchError("failNextTasks needs {\"count\": N, \"reason\": \"...\"}")
                    }
                    failNext = (count, value["reason"]?.stringValue ?? "[Simulated failure] injected by /_sim/switches")
                case "expireImageLinks":
                    expire = value.boolValue ?? false
                default:
                    try changed.apply(key: key, value: value)
                }
            }
        } catch {
            return .json(["error": .string(error.message), "keys": Self.allKeysJSON], status: 400)
        }
        let final = changed
        update { $0 = final }
        if let failNext { failNextTasks(failNext.count, reason: failNext.reason) }
        if expire { expireImageLinks() }
        return .json(switches.httpJSON)
    }

    private static var allKeysJSON: JSONValue {
        .array((SimulatorSwitches.httpKeys + ["failNextTasks", "expireImageLinks"]).map(JSONValue.string))
    }
}

struct SwitchError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Loose number reading for hand-written JSON (`1`, `1.0`, `"1"`).
enum SwitchValue {
    static func double(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d): d
        case .string(let s): Double(s)
        default: nil
        }
    }

    static func int(_ value: JSONValue) -> Int? {
        guard let d = double(value), d.rounded() == d, abs(d) < 1e12 else { return nil }
        return Int(d)
    }
}

extension SimulatorSwitches {
    /// The keys `/_sim/switches` understands (durations in milliseconds).
    static let httpKeys = [
        "callbackDropFraction", "callbackDuplicateFraction", "callbackReorder", "callbackDelayMs",
        "httpErrorFraction", "httpErrorStatuses", "retryAfterSeconds", "responseDelayMs", "stuckAtPercent",
        "outage", "remix", "bannedWords", "taskListAvailable", "loseSubmitAnswers", "lostAnswerDelayMs",
        "singleImageLinks", "imageHostDown",
    ]

    var httpJSON: JSONValue {
        [
            "callbackDropFraction": .double(callbackDropFraction),
            "callbackDuplicateFraction": .double(callbackDuplicateFraction),
            "callbackReorder": .bool(callbackReorder),
            "callbackDelayMs": .int(callbackDelay.milliseconds),
            "httpErrorFraction": .double(httpErrorFraction),
            "httpErrorStatuses": .array(httpErrorStatuses.map { .int(Int64($0)) }),
            "retryAfterSeconds": retryAfterSeconds.map { .int(Int64($0)) } ?? .null,
            "responseDelayMs": .int(responseDelay.milliseconds),
            "stuckAtPercent": stuckAtPercent.map { .int(Int64($0)) } ?? .null,
            "outage": .bool(outage),
            "remix": .bool(remix),
            "bannedWords": .array(bannedWords.map(JSONValue.string)),
            "taskListAvailable": .bool(taskListAvailable),
            "loseSubmitAnswers": .int(Int64(loseSubmitAnswers)),
            "lostAnswerDelayMs": .int(lostAnswerDelay.milliseconds),
            "singleImageLinks": .bool(singleImageLinks),
            "imageHostDown": .bool(imageHostDown),
        ]
    }

    mutating func apply(key: String, value: JSONValue) throws(SwitchError) {
        func fraction() throws(SwitchError) -> Double {
            guard let d = SwitchValue.double(value), (0...1).contains(d) else {
                throw SwitchError("\(key) must be a number from 0 to 1")
            }
            return d
        }
        func flag() throws(SwitchError) -> Bool {
            guard let b = value.boolValue else { throw SwitchError("\(key) must be true or false") }
            return b
        }
        func milliseconds() throws(SwitchError) -> Duration {
            guard let ms = SwitchValue.int(value), ms >= 0 else {
                throw SwitchError("\(key) must be a whole number of milliseconds")
            }
            return .milliseconds(ms)
        }
        func optionalInt(_ range: ClosedRange<Int>) throws(SwitchError) -> Int? {
            if value == .null { return nil }
            guard let n = SwitchValue.int(value), range.contains(n) else {
                throw SwitchError("\(key) must be null or a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return n
        }
        switch key {
        case "callbackDropFraction": callbackDropFraction = try fraction()
        case "callbackDuplicateFraction": callbackDuplicateFraction = try fraction()
        case "callbackReorder": callbackReorder = try flag()
        case "callbackDelayMs": callbackDelay = try milliseconds()
        case "httpErrorFraction": httpErrorFraction = try fraction()
        case "httpErrorStatuses":
            let statuses = value.arrayValue?.compactMap(SwitchValue.int) ?? []
            guard !statuses.isEmpty, statuses.count == value.arrayValue?.count,
                  statuses.allSatisfy({ (400...599).contains($0) }) else {
                throw SwitchError("httpErrorStatuses must be a non-empty list of HTTP statuses 400...599")
            }
            httpErrorStatuses = statuses
        case "retryAfterSeconds": retryAfterSeconds = try optionalInt(0...86_400)
        case "responseDelayMs": responseDelay = try milliseconds()
        case "stuckAtPercent": stuckAtPercent = try optionalInt(0...100)
        case "outage": outage = try flag()
        case "remix": remix = try flag()
        case "bannedWords":
            guard let words = value.arrayValue?.compactMap(\.stringValue), words.count == value.arrayValue?.count else {
                throw SwitchError("bannedWords must be a list of strings")
            }
            bannedWords = words
        case "taskListAvailable": taskListAvailable = try flag()
        case "loseSubmitAnswers":
            guard let n = SwitchValue.int(value), (0...10_000).contains(n) else {
                throw SwitchError("loseSubmitAnswers must be a whole number from 0 to 10000")
            }
            loseSubmitAnswers = n
        case "lostAnswerDelayMs": lostAnswerDelay = try milliseconds()
        case "singleImageLinks": singleImageLinks = try flag()
        case "imageHostDown": imageHostDown = try flag()
        default:
            throw SwitchError("unknown switch '\(key)'")
        }
    }
}
