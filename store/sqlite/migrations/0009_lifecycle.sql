-- The conversation lifecycle (hub/lifecycle.go). Conversations may now be
-- closed ('closed' joins 'open' and 'resolved' in status), and each keeps
-- a preview of its newest message both sides see, for the inbox and the
-- widget's list of past conversations.
ALTER TABLE conversations ADD COLUMN preview TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN preview_author TEXT NOT NULL DEFAULT '';

-- The conversations written so far: the preview as hub.Conversation's
-- notePreview makes it (the first 140 characters, line breaks and tabs as
-- spaces) from the newest message that is not an internal note.
UPDATE conversations SET
		preview = (SELECT replace(replace(replace(substr(m.body, 1, 140), char(10), ' '), char(13), ' '), char(9), ' ')
			FROM messages m WHERE m.conversation_id = conversations.id AND NOT m.internal ORDER BY m.seq DESC LIMIT 1),
		preview_author = (SELECT m.author_kind
			FROM messages m WHERE m.conversation_id = conversations.id AND NOT m.internal ORDER BY m.seq DESC LIMIT 1)
	WHERE EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id AND NOT m.internal);

-- A conversation follows its current ticket: a closed ticket's
-- conversation is closed, a resolved one's resolved (conversationStatusOf).
UPDATE conversations SET status = (SELECT CASE t.status WHEN 'closed' THEN 'closed' WHEN 'resolved' THEN 'resolved' ELSE 'open' END
		FROM tickets t WHERE t.id = conversations.ticket_id)
	WHERE ticket_id IS NOT NULL AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = conversations.ticket_id);

-- FindCurrentConversation: a visitor's newest conversation that is not closed.
CREATE INDEX conversations_visitor_current ON conversations (visitor_id, id DESC) WHERE status <> 'closed';
