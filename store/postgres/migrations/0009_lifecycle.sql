-- The conversation lifecycle (hub/lifecycle.go). Conversations may now be
-- closed ('closed' joins 'open' and 'resolved' in status), and each keeps
-- a preview of its newest message both sides see, for the inbox and the
-- widget's list of past conversations.
ALTER TABLE conversations ADD COLUMN preview TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN preview_author TEXT NOT NULL DEFAULT '';

-- The conversations written so far: the preview as hub.Conversation's
-- notePreview makes it (the first 140 characters, line breaks and tabs as
-- spaces) from the newest message that is not an internal note.
UPDATE conversations c SET preview = translate(substr(m.body, 1, 140), E'\n\r\t', '   '), preview_author = m.author_kind
	FROM (SELECT DISTINCT ON (conversation_id) conversation_id, body, author_kind FROM messages
		WHERE NOT internal ORDER BY conversation_id, seq DESC) m
	WHERE c.id = m.conversation_id;

-- A conversation follows its current ticket: a closed ticket's
-- conversation is closed, a resolved one's resolved (conversationStatusOf).
UPDATE conversations c SET status = CASE t.status WHEN 'closed' THEN 'closed' WHEN 'resolved' THEN 'resolved' ELSE 'open' END
	FROM tickets t WHERE t.id = c.ticket_id;

-- FindCurrentConversation: a visitor's newest conversation that is not closed.
CREATE INDEX conversations_visitor_current ON conversations (visitor_id, id DESC) WHERE status <> 'closed';
