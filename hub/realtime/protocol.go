package realtime

import (
	"encoding/json"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-chat/parley/hub"
)

// ProtocolVersion is the version of the frame protocol, announced in hello.
// docs/protocol.md describes it for client authors.
const ProtocolVersion = 1

// Frame types a client sends.
const (
	TypeAuth        = "auth"
	TypeSubscribe   = "subscribe"
	TypeUnsubscribe = "unsubscribe"
	TypeSend        = "send"
	TypeTyping      = "typing"
	TypeRead        = "read"
	TypeHistory     = "history"
	// TypeFeedback votes on an assistant message (visitors).
	TypeFeedback = "feedback"
	// TypeTicketCreate opens a ticket from the visitor's conversation.
	TypeTicketCreate = "ticket.create"
	// TypeConversations lists the visitor's own conversations, newest
	// first (visitors); the reply has the same type.
	TypeConversations = "conversations"
)

// Frame types of the inbox (presence.go, viewing.go).
const (
	// TypeViewing tells the conversation's agents that the member is (or
	// stopped) looking at it (agents); the hub's viewing event follows.
	TypeViewing = "viewing"
	// TypePresenceList asks for the workspace's online members (agents).
	// It is also the reply, and the server sends one unasked right after
	// an agent's auth.ok.
	TypePresenceList = "presence.list"
)

// Frame types the server sends, besides the event types of package hub
// (message.created, conversation.updated, ticket.updated, unread, typing,
// viewing), which it forwards unchanged, and presence, which each node
// derives from the cluster's view (presence.go).
const (
	TypeHello        = "hello"
	TypeAuthOK       = "auth.ok"
	TypeSubscribed   = "subscribed"
	TypeUnsubscribed = "unsubscribed"
	TypeAck          = "ack"
	TypeReadOK       = "read.ok"
	TypeFeedbackOK   = "feedback.ok"
	TypeTicketOK     = "ticket.created"
	TypeError        = "error"
	TypeResume       = "resume"
	TypeResync       = "resync"
	// TypeHistory is also the type of the reply to a history frame.
)

// Error codes of the websocket layer; every other error frame carries one of
// the hub codes (hub.EInvalid, hub.ENotFound, …).
const (
	CodeBadFrame    = "bad_frame"    // not JSON, no type, or an oversized id
	CodeUnknownType = "unknown_type" // a type this protocol does not define
)

// Close codes the server uses.
const (
	// CloseGoingAway: the node is shutting down; reconnect (to another node).
	CloseGoingAway = websocket.StatusGoingAway // 1001
	// ClosePolicy: no auth within AuthTimeout, or a grossly abusive client.
	ClosePolicy = websocket.StatusPolicyViolation // 1008
	// CloseTooBig: a frame over MaxFrameBytes.
	CloseTooBig = websocket.StatusMessageTooBig // 1009
	// CloseTryAgain: the client did not read fast enough (slow consumer);
	// reconnect and resume.
	CloseTryAgain = websocket.StatusTryAgainLater // 1013
)

// Resume reasons, in the data of a resume frame.
const (
	// ReasonBrokerReset: the node's broker subscription was re-established;
	// events may have been lost while it was down.
	ReasonBrokerReset = "broker_reset"
	// ReasonPublishLost: the node could not publish some events for a while.
	ReasonPublishLost = "publish_lost"
)

// maxFrameID bounds the client-chosen frame id.
const maxFrameID = 64

// inFrame is a frame from a client. Data is decoded once, by the handler of
// the frame's type.
type inFrame struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

// outFrame is a reply or a server-originated frame.
type outFrame struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	Data any    `json:"data"`
}

// eventFrame is a broker event as clients see it: the tenant id and the
// publish time stay on the server.
type eventFrame struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func encodeFrame(typ, id string, data any) ([]byte, error) {
	return json.Marshal(outFrame{Type: typ, ID: id, Data: data})
}

// decodeData decodes a frame's data into v. A missing data member decodes
// as an empty object, so that validation reports what is missing.
func decodeData(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return hub.Errorf(hub.EInvalid, "data does not match the frame type: %v", err)
	}
	return nil
}

// Frame data.

type helloData struct {
	Protocol       int    `json:"protocol"`
	Node           string `json:"node"`
	PingIntervalMS int64  `json:"ping_interval_ms"`
}

type authData struct {
	Token string `json:"token"`
	// TenantID, on an agent socket, asks for platform staff to view that
	// workspace read-only through its support access (support.go).
	TenantID int64 `json:"tenant_id"`
}

type authOKData struct {
	Kind string `json:"kind"` // "visitor", "agent" or "requester"
	// ID is the visitor id (requesters: their workspace's visitor of the
	// platform's Support site, the author_id of their messages) or the
	// member id.
	ID int64 `json:"id"`
	// ReadOnly marks a support viewer: staff who may only read.
	ReadOnly bool `json:"read_only,omitempty"`
}

type subscribeData struct {
	ConversationID int64 `json:"conversation_id"`
	AfterSeq       int64 `json:"after_seq"`
}

// subscribedData answers subscribe. Conversation is a *hub.Conversation for
// agents and a hub.VisitorConversation for visitors (Conversation.View).
type subscribedData struct {
	Conversation any   `json:"conversation"`
	Messages     []any `json:"messages"`
	Resync       bool  `json:"resync,omitempty"`
}

type conversationsData struct {
	// Before is the cursor: the last_message_at and id of the last row of
	// the previous page.
	BeforeTime time.Time `json:"before_time"`
	BeforeID   int64     `json:"before_id"`
	Limit      int       `json:"limit"`
}

type conversationsReply struct {
	Conversations []hub.VisitorConversation `json:"conversations"`
}

type conversationRef struct {
	ConversationID int64 `json:"conversation_id"`
}

type sendData struct {
	ConversationID int64  `json:"conversation_id"`
	ClientMsgID    string `json:"client_msg_id"`
	Body           string `json:"body"`
	Internal       bool   `json:"internal"`
}

type ackData struct {
	Message any `json:"message"`
}

type typingData struct {
	ConversationID int64 `json:"conversation_id"`
	Typing         bool  `json:"typing"`
}

type feedbackData struct {
	MessageID int64  `json:"message_id"`
	Feedback  string `json:"feedback"`
}

type ticketCreateData struct {
	ConversationID int64  `json:"conversation_id"`
	Subject        string `json:"subject"`
	Description    string `json:"description"`
	Email          string `json:"email"`
}

// ticketRef is what a visitor learns of their ticket.
type ticketRef struct {
	ID      int64            `json:"id"`
	Ref     string           `json:"ref"`
	Subject string           `json:"subject"`
	Status  hub.TicketStatus `json:"status"`
}

type ticketOKData struct {
	Ticket ticketRef `json:"ticket"`
}

type readData struct {
	ConversationID int64 `json:"conversation_id"`
	Seq            int64 `json:"seq"`
}

type historyData struct {
	ConversationID int64 `json:"conversation_id"`
	BeforeSeq      int64 `json:"before_seq"`
	Limit          int   `json:"limit"`
}

type historyReply struct {
	ConversationID int64 `json:"conversation_id"`
	Messages       []any `json:"messages"`
}

type errorData struct {
	Code    string `json:"code"`
	Reason  string `json:"reason,omitempty"` // hub.Reason*
	Message string `json:"message"`
}

type resumeData struct {
	Reason string `json:"reason"`
}

// resyncData tells a client that messages up to and including LastSeq may
// be missing: it reloads them with history; later ones arrive live.
type resyncData struct {
	ConversationID int64 `json:"conversation_id"`
	LastSeq        int64 `json:"last_seq"`
}

// PresenceData is the payload of a presence event.
type PresenceData struct {
	MemberID int64 `json:"member_id"`
	Online   bool  `json:"online"`
}

// MaxReplyMessageBytes bounds the messages one subscribed or history reply
// carries, encoded, so that a server frame stays within what clients'
// default read limits take (docs/protocol.md "Limits"; one message alone
// is at most about 100 KiB, its body being at most 16 KiB).
const MaxReplyMessageBytes = 512 << 10

// newestViews encodes actor's views of ms (in seq order) and keeps the
// newest that fit MaxReplyMessageBytes together, at least one; all
// reports whether every message fit.
func newestViews(actor hub.Actor, ms []*hub.Message) (views []any, all bool, err error) {
	enc := make([]json.RawMessage, len(ms))
	total, first := 0, len(ms)
	for i := len(ms) - 1; i >= 0; i-- {
		b, err := json.Marshal(ms[i].View(actor))
		if err != nil {
			return nil, false, err
		}
		if total+len(b) > MaxReplyMessageBytes && first < len(ms) {
			break
		}
		enc[i], total, first = b, total+len(b), i
	}
	views = make([]any, 0, len(ms)-first)
	for _, b := range enc[first:] {
		views = append(views, b)
	}
	return views, first == 0, nil
}
