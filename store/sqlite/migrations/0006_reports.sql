-- Reports (hub/report.go) count by day over a range of dates: each of
-- their queries walks an index of its own by (tenant, time), so a month's
-- report reads a month of rows, not the workspace's whole history.
CREATE INDEX conversations_tenant_created ON conversations (tenant_id, created_at);
CREATE INDEX tickets_tenant_created ON tickets (tenant_id, created_at);
CREATE INDEX tickets_tenant_resolved ON tickets (tenant_id, resolved_at) WHERE resolved_at IS NOT NULL;
-- Few messages carry a vote, so this index stays small.
CREATE INDEX messages_tenant_feedback ON messages (tenant_id, created_at) WHERE feedback <> '';
