-- The first-response figures of reports (hub/report.go), kept on the
-- conversation so that a report reads conversations, not their messages.
-- Non-internal messages only: asked_at is the time of the first visitor
-- message (lowest seq); replied_at of the first agent or assistant message
-- after it (higher seq), agent_replied_at of the first agent message after
-- it; by_agent and by_assistant say whether an agent or the assistant wrote
-- at all, before the visitor or after. CreateMessage keeps them in step in
-- the message's own transaction; nothing else writes them.
ALTER TABLE conversations ADD COLUMN asked_at INTEGER;
ALTER TABLE conversations ADD COLUMN replied_at INTEGER;
ALTER TABLE conversations ADD COLUMN agent_replied_at INTEGER;
ALTER TABLE conversations ADD COLUMN by_agent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN by_assistant INTEGER NOT NULL DEFAULT 0;

-- The conversations written so far, as the report computed them from the
-- messages until now. storetest Report runs this statement again over its
-- data set (BackfillResponseTimes in export_test.go) and expects what
-- CreateMessage kept, and the same report.
UPDATE conversations SET
		asked_at = (SELECT a.created_at FROM messages a WHERE a.conversation_id = f.conversation_id AND a.seq = f.asked_seq),
		replied_at = (SELECT r.created_at FROM messages r WHERE r.conversation_id = f.conversation_id
			AND r.seq > f.asked_seq AND r.internal = 0 AND r.author_kind IN ('agent', 'assistant') ORDER BY r.seq LIMIT 1),
		agent_replied_at = (SELECT r.created_at FROM messages r WHERE r.conversation_id = f.conversation_id
			AND r.seq > f.asked_seq AND r.internal = 0 AND r.author_kind = 'agent' ORDER BY r.seq LIMIT 1),
		by_agent = f.by_agent, by_assistant = f.by_assistant
	FROM (SELECT conversation_id, MIN(CASE WHEN author_kind = 'visitor' THEN seq END) AS asked_seq,
			MAX(author_kind = 'agent') AS by_agent, MAX(author_kind = 'assistant') AS by_assistant
		FROM messages WHERE internal = 0 GROUP BY conversation_id) AS f
	WHERE conversations.id = f.conversation_id;

