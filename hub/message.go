package hub

import "time"

// AuthorKind says who wrote a message.
type AuthorKind string

// Author kinds.
const (
	AuthorVisitor   AuthorKind = "visitor"
	AuthorAssistant AuthorKind = "assistant"
	AuthorAgent     AuthorKind = "agent"
	AuthorSystem    AuthorKind = "system"
)

// Status types shown on assistant messages (004 "Session detail").
const (
	StatusAnalyzing        = "ANALYZING"
	StatusMatchedContent   = "MATCHED_CONTENT"
	StatusGeneratedContent = "GENERATED_CONTENT"
)

// Limits on message content.
const (
	MaxBodyBytes     = 16 << 10
	MaxClientIDBytes = 64
)

// Message is one entry in a conversation. Seq is assigned by the store in
// the insert transaction and only grows within a conversation.
type Message struct {
	ID             int64      `json:"id"`
	TenantID       int64      `json:"tenant_id"`
	ConversationID int64      `json:"conversation_id"`
	Seq            int64      `json:"seq"`
	AuthorKind     AuthorKind `json:"author_kind"`
	AuthorID       int64      `json:"author_id,omitempty"`
	Body           string     `json:"body"`
	StatusType     string     `json:"status_type,omitempty"`
	// Internal marks a private note: agents see it, the visitor never does.
	Internal    bool      `json:"internal,omitempty"`
	ClientMsgID string    `json:"client_msg_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// MessageFilter selects messages of one conversation in seq order.
type MessageFilter struct {
	ConversationID int64
	AfterSeq       int64 // exclusive
	BeforeSeq      int64 // exclusive; 0: no upper bound
	// VisitorView leaves out internal notes.
	VisitorView bool
	// Newest returns the Limit newest rows of the range (still in seq order).
	Newest bool
	Limit  int
}
