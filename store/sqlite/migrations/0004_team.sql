-- Accounts and teams: invites, password resets, each member's language,
-- failed sign-ins for throttling, and canned responses.

ALTER TABLE members ADD COLUMN locale TEXT NOT NULL DEFAULT '';
-- failed_logins counts sign-in failures in a row; locked_until (Unix
-- micros, 0: not locked) stops sign-in attempts for the account until then.
ALTER TABLE members ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;
-- role_changed_at lets nodes end the websockets of a member whose role
-- changed (they re-check sessions every few seconds).
ALTER TABLE members ADD COLUMN role_changed_at INTEGER NOT NULL DEFAULT 0;

CREATE TABLE invites (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	email       TEXT NOT NULL,
	role        TEXT NOT NULL,
	token_hash  TEXT NOT NULL UNIQUE,
	invited_by  INTEGER NOT NULL DEFAULT 0,
	expires_at  INTEGER NOT NULL,
	-- accepted_at is 0 while the invite is pending.
	accepted_at INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX invites_tenant ON invites (tenant_id, id);

CREATE TABLE password_resets (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL UNIQUE,
	expires_at INTEGER NOT NULL,
	-- used_at is 0 until the token is used; a token works once.
	used_at    INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX password_resets_member ON password_resets (member_id);

CREATE TABLE canned_responses (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id  INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	title      TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_by INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX canned_responses_tenant ON canned_responses (tenant_id, title);
