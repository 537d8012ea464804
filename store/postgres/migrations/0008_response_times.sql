-- The first-response figures of reports (hub/report.go), kept on the
-- conversation so that a report reads conversations, not their messages.
-- Non-internal messages only: asked_at is the time of the first visitor
-- message (lowest seq); replied_at of the first agent or assistant message
-- after it (higher seq), agent_replied_at of the first agent message after
-- it; by_agent and by_assistant say whether an agent or the assistant wrote
-- at all, before the visitor or after. CreateMessage keeps them in step in
-- the message's own statement; nothing else writes them.
ALTER TABLE conversations ADD COLUMN asked_at TIMESTAMPTZ;
ALTER TABLE conversations ADD COLUMN replied_at TIMESTAMPTZ;
ALTER TABLE conversations ADD COLUMN agent_replied_at TIMESTAMPTZ;
ALTER TABLE conversations ADD COLUMN by_agent BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE conversations ADD COLUMN by_assistant BOOLEAN NOT NULL DEFAULT false;

-- The conversations written so far, as the report computed them from the
-- messages until now. storetest Report runs this statement again over its
-- data set (BackfillResponseTimes in export_test.go) and expects what
-- CreateMessage kept, and the same report.
UPDATE conversations c SET asked_at = a.created_at,
		replied_at = (SELECT r.created_at FROM messages r WHERE r.conversation_id = f.conversation_id
			AND r.seq > f.asked_seq AND NOT r.internal AND r.author_kind IN ('agent', 'assistant') ORDER BY r.seq LIMIT 1),
		agent_replied_at = (SELECT r.created_at FROM messages r WHERE r.conversation_id = f.conversation_id
			AND r.seq > f.asked_seq AND NOT r.internal AND r.author_kind = 'agent' ORDER BY r.seq LIMIT 1),
		by_agent = f.by_agent, by_assistant = f.by_assistant
	FROM (SELECT conversation_id, MIN(seq) FILTER (WHERE author_kind = 'visitor') AS asked_seq,
			bool_or(author_kind = 'agent') AS by_agent, bool_or(author_kind = 'assistant') AS by_assistant
		FROM messages WHERE NOT internal GROUP BY conversation_id) f
		LEFT JOIN messages a ON a.conversation_id = f.conversation_id AND a.seq = f.asked_seq
	WHERE c.id = f.conversation_id;
