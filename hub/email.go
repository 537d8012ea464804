package hub

import (
	"context"
	"time"
)

// Email kinds.
const (
	// EmailTicketTeam tells the team of a new ticket: to the site's support
	// email override, else the tenant's owner (004 "Where the email goes").
	EmailTicketTeam = "ticket_created"
	// EmailTicketVisitor confirms a new ticket to its requester.
	EmailTicketVisitor = "ticket_confirmation"
	// EmailAgentReply brings an agent's reply to a visitor who has not read
	// it in the chat by the time it is due.
	EmailAgentReply = "agent_reply"
)

// Email statuses.
const (
	EmailPending = "pending"
	EmailSent    = "sent"
	EmailSkipped = "skipped" // no longer needed (the visitor read the reply)
	EmailFailed  = "failed"  // gave up after the last attempt
)

// Email is a message in the outbox. It is written in the transaction that
// causes it and sent afterwards by a MailWorker on any node.
type Email struct {
	ID             int64
	TenantID       int64
	Kind           string
	To             string
	ReplyTo        string
	Subject        string
	Body           string // plain text
	ConversationID int64
	// UnlessReadSeq: skip the email if the visitor has read the
	// conversation up to this seq when it is due (0: always send).
	UnlessReadSeq int64
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	SentAt        time.Time
	CreatedAt     time.Time
}

// Mail is one email as a Mailer sends it.
type Mail struct {
	To      string
	ReplyTo string
	Subject string
	Text    string
}

// Mailer sends mail: hub/mail's SMTP mailer, or its log-only mailer when no
// SMTP server is configured.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// queueTicketEmails writes, in the ticket's transaction, the team's
// notification and the requester's confirmation of a new ticket.
func (s *Service) queueTicketEmails(ctx context.Context, q Queries, t *Ticket, conv *Conversation) error {
	return nil
}

// queueReplyEmail writes, in the reply's transaction, the email that
// brings an agent's reply m to the visitor if they do not read it in time.
func (s *Service) queueReplyEmail(ctx context.Context, q Queries, conv *Conversation, m *Message) error {
	return nil
}
