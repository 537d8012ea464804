-- The assistant, its hand-off, its knowledge base and the mail outbox.

-- handoff is the conversation's place in the hand-off state machine
-- (hub/handoff.go): assistant, awaiting_email, ticket_open or human.
ALTER TABLE conversations ADD COLUMN handoff TEXT NOT NULL DEFAULT 'assistant';
-- handoff_reason says why the assistant escalated.
ALTER TABLE conversations ADD COLUMN handoff_reason TEXT NOT NULL DEFAULT '';
-- The assistant reads messages from context_seq on: a resolved
-- conversation that starts again starts from a clean context.
ALTER TABLE conversations ADD COLUMN context_seq INTEGER NOT NULL DEFAULT 0;
-- visitor_seq is the visitor's newest message and assistant_seq the newest
-- one the assistant has handled: work is pending while the first is ahead.
ALTER TABLE conversations ADD COLUMN visitor_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN assistant_seq INTEGER NOT NULL DEFAULT 0;
-- The subject and summary the assistant wrote when it began the escalation.
ALTER TABLE conversations ADD COLUMN escalation_subject TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN escalation_summary TEXT NOT NULL DEFAULT '';
CREATE INDEX conversations_assistant_pending ON conversations (last_message_at)
	WHERE visitor_seq > assistant_seq AND handoff IN ('assistant', 'awaiting_email');

-- trace is how an assistant message was produced (hub.DecisionTrace), JSON.
ALTER TABLE messages ADD COLUMN trace TEXT NOT NULL DEFAULT '';

ALTER TABLE tickets ADD COLUMN summary TEXT NOT NULL DEFAULT '';

-- handoff holds hub.HandoffSettings and ai_provider hub.AIProvider, as JSON;
-- '' means the defaults.
ALTER TABLE sites ADD COLUMN handoff TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN ai_provider TEXT NOT NULL DEFAULT '';

-- knowledge_entries are what the built-in assistant answers from: question
-- and answer pairs (kind 'qa': title is the question, body the answer) and
-- articles (kind 'article').
CREATE TABLE knowledge_entries (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id  INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	title      TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX knowledge_entries_site ON knowledge_entries (site_id, id);

-- knowledge_fts indexes titles and bodies the way tickets_fts indexes
-- subjects (see there).
CREATE VIRTUAL TABLE knowledge_fts USING fts5(
	title,
	body,
	content = 'knowledge_entries',
	content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER knowledge_fts_insert AFTER INSERT ON knowledge_entries BEGIN
	INSERT INTO knowledge_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER knowledge_fts_delete AFTER DELETE ON knowledge_entries BEGIN
	INSERT INTO knowledge_fts (knowledge_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER knowledge_fts_update AFTER UPDATE OF title, body ON knowledge_entries BEGIN
	INSERT INTO knowledge_fts (knowledge_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
	INSERT INTO knowledge_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

-- emails is the outbox: mail is written in the transaction that causes it
-- and sent afterwards, with retries, by whichever node claims it first.
CREATE TABLE emails (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	kind            TEXT NOT NULL,
	to_addr         TEXT NOT NULL,
	reply_to        TEXT NOT NULL DEFAULT '',
	subject         TEXT NOT NULL,
	body            TEXT NOT NULL,
	conversation_id INTEGER NOT NULL DEFAULT 0,
	-- unless_read_seq: not sent if the visitor has read up to this seq by then.
	unless_read_seq INTEGER NOT NULL DEFAULT 0,
	-- status: pending, sent, skipped or failed.
	status          TEXT NOT NULL DEFAULT 'pending',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	sent_at         INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX emails_due ON emails (next_attempt_at) WHERE status = 'pending';
