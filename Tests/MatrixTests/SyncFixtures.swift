/// `/sync` answers recorded from Synapse 1.163.2 (Scripts/matrix-testnet, the bot's filter of
/// `SyncFilter`): alice invites mjbot; mjbot joins; alice sends a command, a command in a
/// thread on it, a reply, an edit, and names the room. Kept as the server sent them.
enum SyncFixtures {
    /// The bot's first sync after the invite (no `since`).
    static let invite = #"""
        {
          "next_batch": "s9_1_0_1_1_1_1_4_0_1_1_1_1_1",
          "device_one_time_keys_count": {
            "signed_curve25519": 0
          },
          "device_unused_fallback_key_types": [],
          "rooms": {
            "invite": {
              "!LSkw4HDeH-H_5YYkZsUAYeYVz5Ar2AfpwEvfv4l0DMc": {
                "invite_state": {
                  "events": [
                    {
                      "content": {
                        "room_version": "12"
                      },
                      "sender": "@alice:mjbridge.test",
                      "state_key": "",
                      "type": "m.room.create"
                    },
                    {
                      "content": {
                        "join_rule": "invite"
                      },
                      "sender": "@alice:mjbridge.test",
                      "state_key": "",
                      "type": "m.room.join_rules"
                    },
                    {
                      "content": {
                        "displayname": "alice",
                        "membership": "join"
                      },
                      "sender": "@alice:mjbridge.test",
                      "state_key": "@alice:mjbridge.test",
                      "type": "m.room.member"
                    },
                    {
                      "type": "m.room.member",
                      "state_key": "@mjbot:mjbridge.test",
                      "content": {
                        "displayname": "mjbot",
                        "membership": "invite"
                      },
                      "sender": "@alice:mjbridge.test"
                    }
                  ]
                }
              }
            }
          }
        }
        """#

    /// The next sync after joining: history from before the join comes along
    /// (`unsigned.membership` = `leave`/`invite`), the timeline is `limited`.
    static let joined = #"""
        {
          "next_batch": "s15_1_0_1_1_1_1_4_0_1_1_1_1_1",
          "device_lists": {
            "changed": [
              "@alice:mjbridge.test",
              "@mjbot:mjbridge.test"
            ]
          },
          "device_one_time_keys_count": {
            "signed_curve25519": 0
          },
          "device_unused_fallback_key_types": [],
          "rooms": {
            "join": {
              "!LSkw4HDeH-H_5YYkZsUAYeYVz5Ar2AfpwEvfv4l0DMc": {
                "timeline": {
                  "events": [
                    {
                      "content": {
                        "displayname": "alice",
                        "membership": "join"
                      },
                      "event_id": "$UNBTglCO3UaaGd3JKUH2VqXTYHJQtM6cHoX4ED41X9s",
                      "origin_server_ts": 1796036764980,
                      "sender": "@alice:mjbridge.test",
                      "state_key": "@alice:mjbridge.test",
                      "type": "m.room.member",
                      "unsigned": {
                        "age": 12884,
                        "membership": "leave"
                      }
                    },
                    {
                      "content": {
                        "body": "hi",
                        "msgtype": "m.text"
                      },
                      "event_id": "$TKVs-Av-xTafrosynO8ViXQGPjVeqv-UtP1UV9NFVPE",
                      "origin_server_ts": 1796036765749,
                      "sender": "@alice:mjbridge.test",
                      "type": "m.room.message",
                      "unsigned": {
                        "age": 12115,
                        "membership": "leave"
                      }
                    },
                    {
                      "content": {
                        "displayname": "mjbot",
                        "membership": "invite"
                      },
                      "event_id": "$5PwxNEGwsoFpBhRblmZmV_xLo89LQ5KwtUszSd582DI",
                      "origin_server_ts": 1796036768704,
                      "sender": "@alice:mjbridge.test",
                      "state_key": "@mjbot:mjbridge.test",
                      "type": "m.room.member",
                      "unsigned": {
                        "age": 9160,
                        "membership": "invite"
                      }
                    },
                    {
                      "content": {
                        "displayname": "mjbot",
                        "membership": "join"
                      },
                      "event_id": "$RbxcnbALeAQxhWlnk3Lu_H9ejMkuP46p4yWBL_56LIM",
                      "origin_server_ts": 1796036772800,
                      "sender": "@mjbot:mjbridge.test",
                      "state_key": "@mjbot:mjbridge.test",
                      "type": "m.room.member",
                      "unsigned": {
                        "age": 5064,
                        "membership": "join",
                        "prev_content": {
                          "displayname": "mjbot",
                          "membership": "invite"
                        },
                        "prev_sender": "@alice:mjbridge.test",
                        "replaces_state": "$5PwxNEGwsoFpBhRblmZmV_xLo89LQ5KwtUszSd582DI"
                      }
                    },
                    {
                      "content": {
                        "body": "!imagine a red fox",
                        "msgtype": "m.text"
                      },
                      "event_id": "$dIhPR75NILrxy2MWu8d3kbhUCQ9AGgTtsBbpsxSvUeA",
                      "origin_server_ts": 1796036772887,
                      "sender": "@alice:mjbridge.test",
                      "type": "m.room.message",
                      "unsigned": {
                        "age": 4977,
                        "m.relations": {
                          "m.replace": {
                            "content": {
                              "body": "* edited",
                              "m.new_content": {
                                "body": "edited",
                                "msgtype": "m.text"
                              },
                              "m.relates_to": {
                                "event_id": "$dIhPR75NILrxy2MWu8d3kbhUCQ9AGgTtsBbpsxSvUeA",
                                "rel_type": "m.replace"
                              },
                              "msgtype": "m.text"
                            },
                            "event_id": "$W93TEi9NcqgTXmjBZgaFuE-ljn8-h_b1UTsJTSb9V-E",
                            "origin_server_ts": 1796036777385,
                            "sender": "@alice:mjbridge.test",
                            "type": "m.room.message",
                            "unsigned": {
                              "age": 479
                            }
                          },
                          "m.thread": {
                            "count": 1,
                            "current_user_participated": false,
                            "latest_event": {
                              "content": {
                                "body": "!u2 in thread",
                                "m.relates_to": {
                                  "event_id": "$dIhPR75NILrxy2MWu8d3kbhUCQ9AGgTtsBbpsxSvUeA",
                                  "is_falling_back": true,
                                  "m.in_reply_to": {
                                    "event_id": "$dIhPR75NILrxy2MWu8d3kbhUCQ9AGgTtsBbpsxSvUeA"
                                  },
                                  "rel_type": "m.thread"
                                },
                                "msgtype": "m.text"
                              },
                              "event_id": "$bfZfFnWL4PhnTh3l8GZkdWDo7NrObmdj8GPLifb9efY",
                              "origin_server_ts": 1796036777248,
                              "sender": "@alice:mjbridge.test",
                              "type": "m.room.message",
                              "unsigned": {
                                "age": 616
                              }
                            }
                          }
                        },
                        "membership": "join"
                      }
                    },
                    {
                      "content": {
                        "body": "!u2 in thread",
                        "m.relates_to": {
                          "event_id": "$dIhPR75NILrxy2MWu8d3kbhUCQ9AGgTtsBbpsxSvUeA",
                          "is_falling_back": true,
                          "m.in_reply_to": {
                            "event_id": "$dIhPR75NILrxy2MWu8d3kbhUCQ9AGgTtsBbpsxSvUeA"
                          },
                          "rel_type": "m.thread"
                        },
                        "msgtype": "m.text"
                      },
                      "event_id": "$bfZfFnWL4PhnTh3l8GZkdWDo7NrObmdj8GPLifb9efY",
                      "origin_server_ts": 1796036777248,
                      "sender": "@alice:mjbridge.test",
                      "type": "m.room.message",
                      "unsigned": {
                        "age": 616,
                        "membership": "join"
                      }
                    },
                    {
                      "content": {
                        "body": "a reply",
                        "m.relates_to": {
                          "m.in_reply_to": {
                            "event_id": "$dIhPR75NILrxy2MWu8d3kbhUCQ9AGgTtsBbpsxSvUeA"
                          }
                        },
                        "msgtype": "m.text"
                      },
                      "event_id": "$VEauo0q6Q0czGEbvI4HDwVZSctIY7NKcP7DLkfaLVzg",
                      "origin_server_ts": 1796036777313,
                      "sender": "@alice:mjbridge.test",
                      "type": "m.room.message",
                      "unsigned": {
                        "age": 551,
                        "membership": "join"
                      }
                    },
                    {
                      "content": {
                        "body": "* edited",
                        "m.new_content": {
                          "body": "edited",
                          "msgtype": "m.text"
                        },
                        "m.relates_to": {
                          "event_id": "$dIhPR75NILrxy2MWu8d3kbhUCQ9AGgTtsBbpsxSvUeA",
                          "rel_type": "m.replace"
                        },
                        "msgtype": "m.text"
                      },
                      "event_id": "$W93TEi9NcqgTXmjBZgaFuE-ljn8-h_b1UTsJTSb9V-E",
                      "origin_server_ts": 1796036777385,
                      "sender": "@alice:mjbridge.test",
                      "type": "m.room.message",
                      "unsigned": {
                        "age": 479,
                        "membership": "join"
                      }
                    }
                  ],
                  "prev_batch": "s9_1_0_1_1_1_1_4_0_1_1_1_1_1",
                  "limited": true
                },
                "state": {
                  "events": [
                    {
                      "content": {
                        "name": "Fox room"
                      },
                      "event_id": "$vJalcQiy5jJrVGfYAybyNyGKKgDXfjLv0s_oPCDWMpw",
                      "origin_server_ts": 1796036777465,
                      "sender": "@alice:mjbridge.test",
                      "state_key": "",
                      "type": "m.room.name",
                      "unsigned": {
                        "age": 399
                      }
                    }
                  ]
                },
                "account_data": {
                  "events": []
                },
                "ephemeral": {
                  "events": []
                },
                "unread_notifications": {
                  "notification_count": 3,
                  "highlight_count": 0
                },
                "summary": {
                  "m.joined_member_count": 2,
                  "m.invited_member_count": 0
                }
              }
            }
          }
        }
        """#
}
