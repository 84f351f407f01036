import Foundation

/// English for the Chinese messages the servers put into `description` and `failReason`
/// (contract §3, §5.1, §8, and the validation messages the simulator copies from the servers),
/// so IRC users get something readable.
public enum ProxyText {
    /// Exact messages and their translations.
    static let exact: [String: String] = [
        "提交成功": "submitted",
        "窗口等待": "waiting for confirmation",
        "prompt不能为空": "the prompt must not be empty",
        "base64格式错误": "an image is not a valid base64 data URL",
        "禁止上传": "image uploads are disabled on this proxy",
        "关联任务不存在或已失效": "the original job does not exist or has expired",
        "关联任务状态错误": "the original job has not finished successfully",
        "未知的 Action 类型": "this button is not supported by the proxy",
        "无可用的账号实例": "no Midjourney account is available",
        "账号不可用": "the Midjourney account of the original job is not available",
        "提交失败，系统异常": "submission failed: system error",
        "提交失败，队列已满，请稍后重试": "the queue is full, try again later",
        "并发数已达上限": "too many jobs running for this user",
        "队列数已达上限": "too many jobs queued for this user",
        "用户今日绘图次数已达上限": "the daily image limit for this user is reached",
        "当前账号不支持 remix": "the account does not have remix enabled",
        "视频功能未启用": "video is not enabled on this proxy",
        "可能包含敏感词": "the prompt may contain a banned word",
        "任务超时": "the job timed out",
        "任务提交超时": "the job waited too long in the queue",
        "取消任务": "cancelled",
        "超时，未找到消息": "timed out waiting for the confirmation",
        "账号已禁用": "the account is disabled",
        "成功": "success",
        // NZ code 21 before 2024-03: the same upscale was already made.
        "任务已存在": "the job already exists (this button was already used)",
        "任务不存在": "the job does not exist",
        "任务不存在或已失效": "the job does not exist or has expired",
        "任务状态错误": "the job is not in a state that allows this",
        "任务已结束，无法取消": "the job has already finished and cannot be cancelled",
        "任务没有 messageHash，无法获取 seed": "the job has no finished image yet (no messageHash), so its seed cannot be fetched",
        "不支持的操作": "this operation is not supported",
        "队列已满": "the queue is full",
        "队列已满，请稍后尝试": "the queue is full, try again later",
        "base64 或 link 不能为空": "an image (base64 or link) is required",
        "sourceBase64 和 targetBase64 不能为空": "both images (sourceBase64 and targetBase64) are required",
        "请求参数错误": "invalid request parameters",
    ]

    /// The message with a translation appended when it is a known Chinese one, e.g.
    /// `队列数已达上限 (too many jobs queued for this user)`. Unknown text is returned as is.
    public static func readable(_ message: String) -> String {
        guard let english = english(for: message) else { return message }
        return "\(english) (\(message))"
    }

    /// The translation of a known message, nil otherwise.
    public static func english(for message: String) -> String? {
        let trimmed = message.trimmingCharacters(in: .whitespaces)
        if let hit = exact[trimmed] { return hit }
        // "排队中，前面还有3个任务"
        if trimmed.hasPrefix("排队中，前面还有"), trimmed.hasSuffix("个任务") {
            let count = trimmed.dropFirst("排队中，前面还有".count).dropLast("个任务".count)
            return "queued, \(count) job(s) ahead"
        }
        // "customId不能为空", "base64List参数错误": a request field, then the complaint.
        if let field = field(in: trimmed, before: "不能为空") { return "\(field) must not be empty" }
        if let field = field(in: trimmed, before: "参数错误") { return "the \(field) parameter is invalid" }
        // "请求参数错误: body is not valid JSON" (trueai, with a half- or full-width colon)
        for prefix in ["请求参数错误:", "请求参数错误："] where trimmed.hasPrefix(prefix) {
            let detail = trimmed.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            return detail.isEmpty ? "invalid request parameters" : "invalid request parameters: \(detail)"
        }
        // "执行超时 5 分钟"
        if trimmed.hasPrefix("执行超时"), trimmed.hasSuffix("分钟") {
            let minutes = trimmed.dropFirst("执行超时".count).dropLast("分钟".count).trimmingCharacters(in: .whitespaces)
            return "the job ran longer than \(minutes) minutes"
        }
        return nil
    }

    /// The ASCII field name in front of `suffix` ("customId" in "customId不能为空"), nil otherwise.
    private static func field(in message: String, before suffix: String) -> String? {
        guard message.hasSuffix(suffix) else { return nil }
        let field = message.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
        let isName = field.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
        return !field.isEmpty && isName ? field : nil
    }
}
