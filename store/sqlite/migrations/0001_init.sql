-- Parley's first schema. Times are INTEGER microseconds since the Unix
-- epoch, UTC, so they sort and compare as numbers. Tables are STRICT, so a
-- value of the wrong type fails instead of being stored.
-- Optional references (an assignee, a ticket) are NULL in the database and
-- 0 in Go.

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

CREATE TABLE tenants (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT NOT NULL,
	plan       TEXT NOT NULL,
	-- ticket_seq is the last ticket number handed out (NextTicketNumber).
	ticket_seq INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE members (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id     INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	-- email is stored lower-cased, so the unique index is case-insensitive.
	email         TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX members_tenant ON members (tenant_id, id);

CREATE TABLE sessions (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	tenant_id  INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_member ON sessions (member_id);
CREATE INDEX sessions_tenant ON sessions (tenant_id);

CREATE TABLE sites (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id         INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	key               TEXT NOT NULL UNIQUE,
	name              TEXT NOT NULL,
	allowed_origins   TEXT NOT NULL DEFAULT '[]',
	identity_secret   TEXT NOT NULL,
	verified_only     INTEGER NOT NULL DEFAULT 0,
	widget_enabled    INTEGER NOT NULL DEFAULT 0,
	paused            INTEGER NOT NULL DEFAULT 0,
	tickets_enabled   INTEGER NOT NULL DEFAULT 0,
	support_email     TEXT NOT NULL DEFAULT '',
	assistant_enabled INTEGER NOT NULL DEFAULT 0,
	instructions      TEXT NOT NULL DEFAULT '',
	default_locale    TEXT NOT NULL DEFAULT '',
	appearance        TEXT NOT NULL DEFAULT '{}',
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX sites_tenant ON sites (tenant_id, id);

CREATE TABLE visitors (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id    INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	site_id      INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	anonymous_id TEXT NOT NULL,
	external_id  TEXT NOT NULL DEFAULT '',
	email        TEXT NOT NULL DEFAULT '',
	name         TEXT NOT NULL DEFAULT '',
	traits       TEXT,
	locale       TEXT NOT NULL DEFAULT '',
	country      TEXT NOT NULL DEFAULT '',
	device       TEXT NOT NULL DEFAULT '',
	current_page TEXT NOT NULL DEFAULT '',
	first_seen   INTEGER NOT NULL,
	last_seen    INTEGER NOT NULL,
	UNIQUE (site_id, anonymous_id)
) STRICT;
CREATE UNIQUE INDEX visitors_external ON visitors (site_id, external_id) WHERE external_id <> '';
CREATE INDEX visitors_tenant ON visitors (tenant_id);

CREATE TABLE conversations (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id         INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	site_id           INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	visitor_id        INTEGER NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
	owner             TEXT NOT NULL,
	status            TEXT NOT NULL,
	assignee_id       INTEGER REFERENCES members (id) ON DELETE SET NULL,
	ticket_id         INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
	-- last_seq is written only by CreateMessage.
	last_seq          INTEGER NOT NULL DEFAULT 0,
	agent_read_seq    INTEGER NOT NULL DEFAULT 0,
	visitor_read_seq  INTEGER NOT NULL DEFAULT 0,
	unread_by_agents  INTEGER NOT NULL DEFAULT 0,
	unread_by_visitor INTEGER NOT NULL DEFAULT 0,
	version           INTEGER NOT NULL DEFAULT 1,
	last_message_at   INTEGER NOT NULL,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
) STRICT;
-- FindConversations walks (last_message_at, id) newest first, by tenant,
-- by tenant and status, or by site.
CREATE INDEX conversations_tenant_recent ON conversations (tenant_id, last_message_at DESC, id DESC);
CREATE INDEX conversations_tenant_status_recent ON conversations (tenant_id, status, last_message_at DESC, id DESC);
CREATE INDEX conversations_site_recent ON conversations (site_id, last_message_at DESC, id DESC);
CREATE INDEX conversations_visitor ON conversations (visitor_id, id DESC);
CREATE INDEX conversations_assignee ON conversations (assignee_id) WHERE assignee_id IS NOT NULL;
CREATE INDEX conversations_ticket ON conversations (ticket_id) WHERE ticket_id IS NOT NULL;

CREATE TABLE messages (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	seq             INTEGER NOT NULL,
	author_kind     TEXT NOT NULL,
	-- author_id is a member's or a visitor's id, or 0: no foreign key.
	author_id       INTEGER NOT NULL DEFAULT 0,
	body            TEXT NOT NULL,
	status_type     TEXT NOT NULL DEFAULT '',
	internal        INTEGER NOT NULL DEFAULT 0,
	client_msg_id   TEXT NOT NULL DEFAULT '',
	-- feedback is the visitor's vote on an assistant message: '', 'up' or 'down'.
	feedback        TEXT NOT NULL DEFAULT '',
	-- attachment is the file's reference as JSON, '' when none.
	attachment      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	UNIQUE (conversation_id, seq)
) STRICT;
CREATE UNIQUE INDEX messages_client_msg_id ON messages (conversation_id, client_msg_id) WHERE client_msg_id <> '';
CREATE INDEX messages_tenant ON messages (tenant_id);

CREATE TABLE tickets (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	site_id         INTEGER REFERENCES sites (id) ON DELETE SET NULL,
	number          INTEGER NOT NULL,
	subject         TEXT NOT NULL,
	requester_email TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL,
	priority        TEXT NOT NULL,
	assignee_id     INTEGER REFERENCES members (id) ON DELETE SET NULL,
	source          TEXT NOT NULL,
	conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
	resolved_at     INTEGER,
	-- resolved_by is the resolving actor's id, kept after they leave.
	resolved_by     INTEGER NOT NULL DEFAULT 0,
	version         INTEGER NOT NULL DEFAULT 1,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	UNIQUE (tenant_id, number)
) STRICT;
CREATE INDEX tickets_tenant ON tickets (tenant_id, id DESC);
CREATE INDEX tickets_tenant_status ON tickets (tenant_id, status, id DESC);
CREATE INDEX tickets_tenant_assignee ON tickets (tenant_id, assignee_id, id DESC);
CREATE INDEX tickets_conversation ON tickets (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX tickets_site ON tickets (site_id) WHERE site_id IS NOT NULL;


-- tickets_fts indexes subjects for FindTickets. unicode61 splits words at
-- anything but letters and digits, as store/internal/textsearch does, and
-- keeps diacritics, as Postgres's 'simple' configuration does.
CREATE VIRTUAL TABLE tickets_fts USING fts5(
	subject,
	content = 'tickets',
	content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
	INSERT INTO tickets_fts (rowid, subject) VALUES (new.id, new.subject);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
	INSERT INTO tickets_fts (tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject ON tickets BEGIN
	INSERT INTO tickets_fts (tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
	INSERT INTO tickets_fts (rowid, subject) VALUES (new.id, new.subject);
END;

CREATE TABLE read_markers (
	conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	reader_kind     TEXT NOT NULL,
	reader_id       INTEGER NOT NULL,
	seq             INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	PRIMARY KEY (conversation_id, reader_kind, reader_id)
) STRICT;

CREATE TABLE audit_entries (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id  INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	actor_kind TEXT NOT NULL,
	actor_id   INTEGER NOT NULL DEFAULT 0,
	action     TEXT NOT NULL,
	subject    TEXT NOT NULL DEFAULT '',
	data       TEXT,
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_entries_tenant ON audit_entries (tenant_id, id DESC);
CREATE INDEX audit_entries_subject ON audit_entries (tenant_id, subject, id DESC);

-- Files sent in conversations. They live in the database so that every
-- node can serve every file.
CREATE TABLE attachments (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	name            TEXT NOT NULL,
	content_type    TEXT NOT NULL,
	size            INTEGER NOT NULL,
	sha256          TEXT NOT NULL,
	data            BLOB NOT NULL,
	created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX attachments_conversation ON attachments (conversation_id);
