/// One `/sync` answer, reduced to what the bot acts on. `nextBatch` is the `since` of the next
/// call; the transport commits it together with the effects of the events in this batch.
public struct SyncBatch: Sendable, Hashable {
    public var nextBatch: String
    /// Joined rooms with something new, sorted by room id.
    public var joinedRooms: [JoinedRoomUpdate]
    public var invites: [RoomInvite]
    /// Rooms the bot left or was removed from (`rooms.leave`), sorted.
    public var leftRooms: [String]
    /// Events that were present but unreadable (wrong types, missing ids): skipped, counted.
    public var skippedEvents: Int

    public init(nextBatch: String, joinedRooms: [JoinedRoomUpdate] = [], invites: [RoomInvite] = [],
                leftRooms: [String] = [], skippedEvents: Int = 0) {
        self.nextBatch = nextBatch
        self.joinedRooms = joinedRooms
        self.invites = invites
        self.leftRooms = leftRooms
        self.skippedEvents = skippedEvents
    }

    /// Every message of every joined room, room by room, in timeline order.
    public var messages: [RoomMessage] {
        joinedRooms.flatMap { $0.messages }
    }
}

/// What is new in one joined room.
public struct JoinedRoomUpdate: Sendable, Hashable {
    public var roomID: String
    /// In the server's order (oldest first).
    public var timeline: [TimelineEvent]
    /// True when the server left out events between the previous batch and this one (more
    /// than the filter's limit happened): a bot without backlog replay just goes on.
    public var limited: Bool
    public var prevBatch: String?
    /// The room name from the state or timeline of this batch, if it changed or was sent.
    public var name: String?
    /// `m.room.encryption` in the state or timeline of this batch.
    public var encryptionEnabled: Bool
    /// Display names by user id, from the member events of this batch (state, then timeline:
    /// with lazy-loaded members the state carries one for each sender of the timeline). The
    /// transport shows these where IRC shows nicks; a user without one is shown by user id.
    /// Untrusted text: anyone can pick any display name, including another user's.
    public var displayNames: [String: String]

    public init(roomID: String, timeline: [TimelineEvent] = [], limited: Bool = false, prevBatch: String? = nil,
                name: String? = nil, encryptionEnabled: Bool = false, displayNames: [String: String] = [:]) {
        self.roomID = roomID
        self.timeline = timeline
        self.limited = limited
        self.prevBatch = prevBatch
        self.name = name
        self.encryptionEnabled = encryptionEnabled
        self.displayNames = displayNames
    }

    public var messages: [RoomMessage] {
        timeline.compactMap { if case .message(let message) = $0 { message } else { nil } }
    }

    public var membershipChanges: [MembershipChange] {
        timeline.compactMap { if case .membership(let change) = $0 { change } else { nil } }
    }

    /// The room is (or became) end-to-end encrypted: an `m.room.encryption` event, or
    /// encrypted messages the bot cannot read.
    public var isEncrypted: Bool {
        encryptionEnabled || timeline.contains { if case .encrypted = $0 { true } else { false } }
    }
}

/// A timeline event the bot cares about, in order.
public enum TimelineEvent: Sendable, Hashable {
    case message(RoomMessage)
    case membership(MembershipChange)
    /// An `m.room.encrypted` event (unreadable without E2EE).
    case encrypted(eventID: String, sender: String)
    /// `m.room.encryption`: the room switched encryption on.
    case encryptionEnabled(eventID: String, sender: String)
}
