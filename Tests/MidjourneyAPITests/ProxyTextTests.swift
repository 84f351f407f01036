import Testing
@testable import MidjourneyAPI

@Suite struct ProxyTextTests {
    /// Every Chinese message the contract (/work/shared/mj-proxy-api.md §3, §5.1, §8) quotes,
    /// with numbers filled in where it has a placeholder.
    static let contractMessages = [
        "提交成功", "窗口等待", "排队中，前面还有3个任务", "任务已存在", "提交失败，队列已满，请稍后重试",
        "可能包含敏感词", "无可用的账号实例", "base64格式错误", "并发数已达上限", "队列数已达上限",
        "用户今日绘图次数已达上限", "提交失败，系统异常", "prompt不能为空", "禁止上传", "关联任务不存在或已失效",
        "关联任务状态错误", "未知的 Action 类型", "账号不可用", "当前账号不支持 remix", "视频功能未启用",
        "任务超时", "执行超时 5 分钟", "任务提交超时", "取消任务", "超时，未找到消息", "账号已禁用", "成功",
    ]

    @Test(arguments: contractMessages)
    func everyContractMessageHasEnglish(message: String) {
        let english = ProxyText.english(for: message)
        #expect(english != nil)
        #expect(english?.unicodeScalars.allSatisfy(\.isASCII) == true, "\(english ?? "")")
    }

    @Test(arguments: [
        ("任务没有 messageHash，无法获取 seed", "the job has no finished image yet (no messageHash), so its seed cannot be fetched"),
        ("任务已结束，无法取消", "the job has already finished and cannot be cancelled"),
        ("任务已存在", "the job already exists (this button was already used)"),
        ("任务不存在", "the job does not exist"),
        ("任务不存在或已失效", "the job does not exist or has expired"),
        ("任务状态错误", "the job is not in a state that allows this"),
        ("不支持的操作", "this operation is not supported"),
        ("队列已满，请稍后尝试", "the queue is full, try again later"),
        ("base64 或 link 不能为空", "an image (base64 or link) is required"),
        ("sourceBase64 和 targetBase64 不能为空", "both images (sourceBase64 and targetBase64) are required"),
        ("prompt不能为空", "the prompt must not be empty"),
    ])
    func exactMessages(message: String, english: String) {
        #expect(ProxyText.english(for: message) == english)
        #expect(ProxyText.english(for: " \(message) ") == english, "surrounding spaces are ignored")
    }

    @Test func fieldComplaintsNameTheField() {
        #expect(ProxyText.english(for: "customId不能为空") == "customId must not be empty")
        #expect(ProxyText.english(for: "base64Array不能为空") == "base64Array must not be empty")
        #expect(ProxyText.english(for: "base64List参数错误") == "the base64List parameter is invalid")
        #expect(ProxyText.english(for: "dimensions参数错误") == "the dimensions parameter is invalid")
        #expect(ProxyText.english(for: "请求参数错误: body is not valid JSON") == "invalid request parameters: body is not valid JSON")
        #expect(ProxyText.english(for: "请求参数错误：缺少 prompt") == "invalid request parameters: 缺少 prompt")
        #expect(ProxyText.english(for: "请求参数错误") == "invalid request parameters")
        // Only an ASCII field name counts; anything else stays untranslated.
        #expect(ProxyText.english(for: "不能为空") == nil)
        #expect(ProxyText.english(for: "用户名不能为空") == nil)
        #expect(ProxyText.english(for: "a b参数错误") == nil)
    }

    @Test func readableKeepsTheOriginalBesideTheEnglish() {
        #expect(ProxyText.readable("任务已结束，无法取消") == "the job has already finished and cannot be cancelled (任务已结束，无法取消)")
        #expect(ProxyText.readable("something new") == "something new")
    }
}
