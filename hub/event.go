package hub

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Event types, as they appear in websocket frames.
const (
	EventMessageCreated      = "message.created"
	EventMessageUpdated      = "message.updated"
	EventConversationUpdated = "conversation.updated"
	EventTicketUpdated       = "ticket.updated"
	EventUnread              = "unread"
	EventTyping              = "typing"
	EventPresence            = "presence"
	// EventViewing tells agents who has a conversation open (ViewingData).
	EventViewing = "viewing"
	// EventMemberUnread carries members' own unread numbers after a write
	// (MemberUnreadData, unread.go) on the tenant's inbox topic. It is
	// internal: hub/realtime gives each agent socket its own member's
	// entry as an EventUnread frame and never sends it as is.
	EventMemberUnread = "member.unread"
)

// Event is what the Service publishes after a commit. It is encoded once and
// fanned out unchanged to every subscriber.
type Event struct {
	Type     string `json:"type"`
	TenantID int64  `json:"tenant_id"`
	// ConversationID and Seq identify message events, so that receivers can
	// detect gaps without decoding Data.
	ConversationID int64 `json:"conversation_id,omitempty"`
	Seq            int64 `json:"seq,omitempty"`
	// Version is the conversation's version on conversation.updated: a
	// session that got it from one topic drops it from another
	// (hub/realtime session.deliver).
	Version int64           `json:"version,omitempty"`
	Data    json.RawMessage `json:"data"`
	// At is the publish time in Unix nanoseconds, for latency metrics.
	At int64 `json:"at"`
}

// EncodeEvents is the broker payload of a write's events for one topic, in
// order: the event itself when there is one, else a JSON array of them
// (each element as encoded once by json.Marshal). DecodeEvents reads
// either. A visitor's message is three publishes, not six
// (docs/architecture.md "A message, end to end").
func EncodeEvents(encoded [][]byte) []byte {
	if len(encoded) == 1 {
		return encoded[0]
	}
	n := 1
	for _, e := range encoded {
		n += len(e) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, '[')
	for i, e := range encoded {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, e...)
	}
	return append(out, ']')
}

// DecodeEvents reads a payload of EncodeEvents.
func DecodeEvents(payload []byte) ([]Event, error) {
	if p := bytes.TrimLeft(payload, " \t\r\n"); len(p) > 0 && p[0] == '[' {
		var evs []Event
		if err := json.Unmarshal(p, &evs); err != nil {
			return nil, err
		}
		return evs, nil
	}
	var ev Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	return []Event{ev}, nil
}

// Topics. Each topic has one audience, so events never need filtering per
// recipient: agents read conv/inbox/member topics, a visitor only their own.

// TopicConversation carries one conversation's events for agents, notes included.
func TopicConversation(id int64) string { return "conv:" + strconv.FormatInt(id, 10) }

// TopicInbox carries a tenant's conversation and ticket updates for agents.
func TopicInbox(tenantID int64) string { return "inbox:" + strconv.FormatInt(tenantID, 10) }

// TopicMember carries events for one member (their sessions, their reads).
func TopicMember(id int64) string { return "member:" + strconv.FormatInt(id, 10) }

// TopicSupport carries a workspace's support tickets as it sees them
// (EventSupportTicket), for its owners' and admins' /ws/support sockets.
func TopicSupport(tenantID int64) string { return "support:" + strconv.FormatInt(tenantID, 10) }

// TopicSiteGate carries a site's gate (EventSiteGate) to the nodes with
// visitor sockets of the site; no client hears it.
func TopicSiteGate(siteID int64) string { return "gate:" + strconv.FormatInt(siteID, 10) }

// TopicVisitor carries what one visitor may see: never internal notes.
func TopicVisitor(id int64) string { return "visitor:" + strconv.FormatInt(id, 10) }
