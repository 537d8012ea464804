package hub

import "time"

// ReadMarker records the highest seq a reader has read in a conversation.
type ReadMarker struct {
	ConversationID int64
	ReaderKind     AuthorKind // AuthorVisitor or AuthorAgent
	ReaderID       int64
	Seq            int64
	UpdatedAt      time.Time
}
