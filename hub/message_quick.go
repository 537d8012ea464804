package hub

import (
	"context"
	"errors"
)

// QuickSender is a Store that can write the commonest message of all in
// one statement: a visitor's text message to their own open conversation
// that has no ticket (docs/architecture.md, "A visitor message in one
// statement"). store/postgres has it, where every statement is a round trip
// to the database; store/sqlite has none, and every message goes through
// Store.Tx there.
type QuickSender interface {
	// SendQuick writes in.Message as SendMessage's transaction would
	// (appendMessage and countUnread for a visitor's message: the
	// conversation's counters and version, its response times, the team's
	// unread) if, as the statement runs, the conversation (in.Message's
	// ConversationID, or when 0 the visitor's newest) belongs to the
	// visitor (in.Message's AuthorID) in in.Message's tenant, has status ConversationOpen, no
	// ticket, and no message with in.Message's ClientMsgID. It sets the
	// message's ID, Seq and ConversationID and returns the conversation as
	// written and the members' new unread counts. ErrNotQuick when a
	// condition does not hold: nothing was written and the caller takes
	// the transaction's path, which explains why. EConflict when a
	// concurrent write got in first (the same client id, a member who
	// left): nothing was written either.
	SendQuick(ctx context.Context, in QuickSend) (*Conversation, []MemberUnread, error)
}

// QuickSend is a visitor message for QuickSender: Message's AuthorID is
// the visitor, and its AuthorKind the conversation's preview author.
type QuickSend struct {
	Message *Message
	// Status is the status the conversation must have: ConversationOpen.
	Status string
	// Preview is what the conversation's list row shows after the message
	// (Conversation.notePreview).
	Preview string
}

// ErrNotQuick is QuickSender's answer when the message needs the
// transaction's path.
var ErrNotQuick = errors.New("hub: the message needs a transaction")

// sendQuick writes a visitor's message with QuickSender when the store
// has it and the message is the common case; ok false means nothing was
// written and send goes on with its transaction. The two paths write the
// same rows (store/postgres TestSendQuickSameAsTx).
func (s *Service) sendQuick(ctx context.Context, actor Actor, in NewMessage, author AuthorKind) (m *Message, conv *Conversation, ok bool, err error) {
	qs, can := s.Store.(QuickSender)
	if !can || author != AuthorVisitor || actor.OnBehalf != 0 || in.Internal {
		return nil, nil, false, nil
	}
	m = &Message{TenantID: actor.TenantID, ConversationID: in.ConversationID, AuthorKind: author, AuthorID: actor.ID,
		Body: in.Body, StatusType: in.StatusType, ClientMsgID: in.ClientMsgID, Prompt: in.Prompt, CreatedAt: s.now()}
	conv, changed, err := qs.SendQuick(ctx, QuickSend{Message: m, Status: ConversationOpen, Preview: previewOf(m)})
	if errors.Is(err, ErrNotQuick) || IsCode(err, EConflict) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	if s.Observer != nil {
		s.Observer.MessagePersisted()
	}
	if len(changed) > 0 {
		m.unread = &MemberUnreadData{Members: changed}
	}
	return m, conv, true, nil
}
