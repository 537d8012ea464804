-- The inbox: what the Conversations and Tickets views (004, 003) filter
-- and page on.

-- feedback_up and feedback_down count the visitor's votes on the
-- conversation's assistant messages. SetFeedback keeps them in step in the
-- vote's transaction, so the feedback filters never scan messages.
ALTER TABLE conversations ADD COLUMN feedback_up INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN feedback_down INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET
	feedback_up = (SELECT count(*) FROM messages m WHERE m.conversation_id = conversations.id AND m.feedback = 'up'),
	feedback_down = (SELECT count(*) FROM messages m WHERE m.conversation_id = conversations.id AND m.feedback = 'down')
	WHERE id IN (SELECT conversation_id FROM messages WHERE feedback <> '');

-- The selective filters of FindConversations walk their own partial index
-- newest first: conversations with feedback (any, up, down, both) and
-- escalated ones. "none" and "not escalated" match most conversations and
-- walk conversations_tenant_recent.
CREATE INDEX conversations_tenant_feedback_recent ON conversations (tenant_id, last_message_at DESC, id DESC)
	WHERE feedback_up > 0 OR feedback_down > 0;
CREATE INDEX conversations_tenant_escalated_recent ON conversations (tenant_id, last_message_at DESC, id DESC)
	WHERE ticket_id IS NOT NULL;
