-- How a conversation went, kept on the conversation as it is written, so
-- that the Conversations view's filters (hub/conversation.go) and the
-- reports (hub/report.go, AssistantResolved) read no message and no ticket.
--
-- escalated: a ticket was opened from the conversation through the downvote
-- flow (hub.Ticket.Escalates); it stays set when a later ticket replaces
-- that one. The Service sets it with the ticket.
-- handed_off: the conversation left the assistant at some point (waiting
-- for the email, ticket_open or human: hub.HandoffState.HandedOff).
-- UpdateConversation sets it and never clears it.
-- answered_at: when the assistant last wrote to the visitor (not an
-- internal note) after the visitor's first message. came_back: the visitor
-- wrote again more than hub.AssistantFollowUp (30 minutes) and at most
-- hub.AssistantSettle (24 hours) after the assistant's latest answer before
-- it (hub.CameBack). CreateMessage keeps both in the message's statement.
ALTER TABLE conversations ADD COLUMN escalated BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE conversations ADD COLUMN handed_off BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE conversations ADD COLUMN answered_at TIMESTAMPTZ;
ALTER TABLE conversations ADD COLUMN came_back BOOLEAN NOT NULL DEFAULT false;

-- The conversations written so far. storetest Report runs these statements
-- again over its data set (BackfillOutcomes in export_test.go) and expects
-- what the stores kept.
UPDATE conversations c SET escalated = true
	WHERE EXISTS (SELECT 1 FROM tickets t WHERE t.conversation_id = c.id AND t.source = 'widget' AND t.queue <> 'support');

-- Hand-offs the row no longer shows: a ticket, an agent's message, or a
-- state change the audit log kept (the assistant's hand-offs, take-overs).
UPDATE conversations c SET handed_off = true
	WHERE c.handoff IN ('awaiting_email', 'ticket_open', 'human') OR c.ticket_id IS NOT NULL OR c.by_agent
		OR EXISTS (SELECT 1 FROM tickets t WHERE t.conversation_id = c.id)
		OR EXISTS (SELECT 1 FROM audit_entries a WHERE a.tenant_id = c.tenant_id AND a.subject = 'conversation:' || c.id
			AND (a.action = 'conversation.take_over'
				OR a.action = 'conversation.handoff' AND a.data->>'to' IN ('awaiting_email', 'ticket_open', 'human')));

-- answered_at and came_back from the non-internal messages after the
-- visitor's first, in seq order (their times grow with seq): each visitor
-- message is compared with the latest assistant message before it.
UPDATE conversations c SET answered_at = f.answered_at, came_back = f.came_back
	FROM (SELECT conversation_id, max(created_at) FILTER (WHERE author_kind = 'assistant') AS answered_at,
			COALESCE(bool_or(author_kind = 'visitor' AND created_at - answered_before > interval '30 minutes'
				AND created_at - answered_before <= interval '24 hours'), false) AS came_back
		FROM (SELECT conversation_id, author_kind, created_at,
				max(created_at) FILTER (WHERE author_kind = 'assistant') OVER (PARTITION BY conversation_id
					ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS answered_before
			FROM (SELECT conversation_id, seq, author_kind, created_at,
					min(seq) FILTER (WHERE author_kind = 'visitor') OVER (PARTITION BY conversation_id) AS asked_seq
				FROM messages WHERE NOT internal) m
			WHERE seq > asked_seq) after_asked
		GROUP BY conversation_id) f
	WHERE c.id = f.conversation_id;

-- The Conversations view's "Escalated" walks its own partial index, as
-- "Has ticket" does the one 0005 made for tickets (renamed for what it is).
ALTER INDEX conversations_tenant_escalated_recent RENAME TO conversations_tenant_ticket_recent;
CREATE INDEX conversations_tenant_escalated_recent ON conversations (tenant_id, last_message_at DESC, id DESC)
	WHERE escalated;
