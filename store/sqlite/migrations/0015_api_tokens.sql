-- Workspace API tokens (hub/apitoken.go). Only the hash of a token's
-- secret is kept; a request looks its token up by token_hash every time,
-- so a revocation holds at once on every node. Times are Unix micros;
-- expires_at, last_used_at and revoked_at are NULL when not set.
CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id    INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	scope        TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,
	hint         TEXT NOT NULL DEFAULT '',
	created_by   INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER,
	last_used_at INTEGER,
	revoked_at   INTEGER
) STRICT;
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id, id DESC);

-- The API token an audited action came with (0: none).
ALTER TABLE audit_entries ADD COLUMN token_id INTEGER NOT NULL DEFAULT 0;
