import Foundation

/// Payloads from the contract (`shared/mj-proxy-api.md`), verbatim where it prints them.
enum ContractFixtures {
    /// §3: a normal submit answer.
    static let submitted = #"""
    { "code": 1, "description": "提交成功", "result": "1748339029401828",
      "properties": { "discordInstanceId": "1118138338562560102", "discordChannelId": "1118138338562560102" } }
    """#

    /// §3: NA docs print `result` as a number.
    static let submittedNumericResult = #"{"code":1,"description":"Submit success","result":1748339029401828}"#

    /// §3 code 22 with the queue position.
    static let queued = #"""
    {"code":22,"description":"排队中，前面还有3个任务","result":"1748339029401829","properties":{"numberOfQueues":3,"discordInstanceId":"1"}}
    """#

    /// §4: code 21 from trueai, `result` = the MODAL task.
    static let modal = #"""
    {"code":21,"description":"Waiting for window confirm","result":"1748339029401830","properties":{"finalPrompt":"dog playing ball --v 7.0","remix":true}}
    """#

    /// §3 code 24.
    static let banned = #"""
    {"code":24,"description":"可能包含敏感词","result":null,"properties":{"promptEn":"a naked cat","bannedWord":"naked"}}
    """#

    /// §3 TA exception envelope.
    static let trueaiException = #"""
    {"success":false,"code":-1,"message":"Object reference not set to an instance of an object.","timestamp":"2026-01-03T10:00:00+08:00"}
    """#

    /// §2.2 upload-discord-images: `result` is a list of URLs.
    static let uploadResult = #"""
    {"code":1,"description":"成功","result":["https://cdn.discordapp.com/attachments/1/2/a.png","https://cdn.discordapp.com/attachments/1/3/b.png"]}
    """#

    /// §4: trueai `MJ::Job::PicReader::all` returns comma-separated child ids.
    static let imagineAll = #"{"code":1,"description":"Submit success","result":"101,102,103,104"}"#

    /// §10.
    static let imageSeed = #"{"code":1,"description":"成功","result":"636646138"}"#

    /// NA unknown task on fetch.
    static let gatewayTaskNotFound = #"{"code":4,"description":"task_no_found"}"#

    /// §5.4, plus trueai top-level extras from §5.3 that a client must ignore or pick up.
    static let trueaiTask = #"""
    {
      "id": "1748339029401828",
      "action": "IMAGINE",
      "status": "SUCCESS",
      "progress": "100%",
      "prompt": "dog playing ball --v 7",
      "promptEn": "dog playing ball --v 7",
      "description": "/imagine dog playing ball --v 7",
      "state": "irc:#art:alice",
      "submitTime": 1748339029401, "startTime": 1748339030665, "finishTime": 1748339072775,
      "imageUrl": "https://cdn.discordapp.com/attachments/1/2/x_0ddb91a0-af46-4ae9-8e8e-c271074eb6e6.png?ex=68a1&is=68a0&hm=abc",
      "failReason": null,
      "buttons": [
        {"customId": "MJ::JOB::upsample::1::0ddb91a0-af46-4ae9-8e8e-c271074eb6e6", "emoji": "", "label": "U1", "type": 2, "style": 2},
        {"customId": "MJ::JOB::reroll::0::0ddb91a0-af46-4ae9-8e8e-c271074eb6e6::SOLO", "emoji": "🔄", "label": "", "type": 2, "style": 2},
        {"customId": "MJ::JOB::variation::1::0ddb91a0-af46-4ae9-8e8e-c271074eb6e6", "emoji": "", "label": "V1", "type": 2, "style": 2}
      ],
      "properties": {
        "finalPrompt": "dog playing ball --v 7.0",
        "discordInstanceId": "1050703772185268251",
        "messageHash": "0ddb91a0-af46-4ae9-8e8e-c271074eb6e6",
        "notifyHook": null,
        "remix_modal": "MJ::RemixModal::x", "action_index": 1
      },
      "parentId": null, "botType": "MID_JOURNEY", "realBotType": null, "userId": "u1", "nonce": "123",
      "messageId": "999", "instanceId": "1050703772185268251", "subInstanceId": null, "messageIds": ["999"],
      "promptFull": "dog playing ball --v 7", "language": null, "baseImageUrl": null,
      "imageUrls": [{"url": "https://cdn.midjourney.com/0ddb91a0/0_0.png", "thumbnail": "t0"},
                    {"url": "https://cdn.midjourney.com/0ddb91a0/0_1.png", "thumbnail": "t1"}],
      "thumbnailUrl": null, "seed": "636646138", "seedError": null, "jobId": "0ddb91a0-af46-4ae9-8e8e-c271074eb6e6",
      "mode": "FAST", "requestMode": null, "accountFilter": {"modes": ["FAST"]}, "width": 2048, "height": 2048,
      "videoUrl": null, "videoUrls": [], "version": "7",
      "displays": {"status": "成功", "submitTime": "2026-01-03 10:00"}, "isCompleted": true, "useTime": 43
    }
    """#

    /// NA's reduced DTO (§5.3) with a forwarded image URL, mid-run.
    static let gatewayTask = #"""
    {"id":"1748339029401900","action":"IMAGINE","prompt":"cat","promptEn":"cat","description":"/imagine cat","state":"",
     "submitTime":1748339029401,"startTime":1748339030000,"finishTime":0,
     "imageUrl":"https://gw.example/mj/image/1748339029401900?rand=1748339050","videoUrl":"","videoUrls":null,
     "status":"IN_PROGRESS","progress":"42%","failReason":"","buttons":null,
     "properties":{"finalPrompt":"","finalZhPrompt":""},"customId":"","botType":"","maskBase64":""}
    """#

    /// A failed task from novicezk (no buttons at all, progress "").
    static let failedTask = #"""
    {"id":"1689231405853400","action":"IMAGINE","status":"FAILURE","progress":"","prompt":"x","failReason":"[Invalid parameter] Invalid value",
     "submitTime":1689231405853,"startTime":null,"finishTime":1689231409000,"properties":{}}
    """#

    /// Statuses and actions the contract does not list, and numbers where strings are usual.
    static let oddTask = #"""
    {"id":1748339029401999,"action":"RETEXTURE","status":"PAUSED","progress":37,"submitTime":"1748339029401","unexpected":{"a":[1,2]}}
    """#
}

extension String {
    var data: Data { Data(utf8) }
}
