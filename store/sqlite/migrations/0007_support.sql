-- The support section (hub/support.go): the platform's own tenant, whose
-- members are staff and whose tickets are the other tenants' requests;
-- each tenant's grant of support access; and the support fields of tickets.
ALTER TABLE tenants ADD COLUMN platform INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN support_access_open INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN support_access_until INTEGER;
-- One platform tenant at most.
CREATE UNIQUE INDEX tenants_platform ON tenants (platform) WHERE platform = 1;
-- FindTenantsWithSupportAccess, by name, then id.
CREATE INDEX tenants_support_access ON tenants (name, id) WHERE support_access_open = 1;

ALTER TABLE tickets ADD COLUMN queue TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN requester_tenant_id INTEGER REFERENCES tenants (id) ON DELETE CASCADE;
ALTER TABLE tickets ADD COLUMN request_type TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN due_at INTEGER;
ALTER TABLE tickets ADD COLUMN follows_ticket_id INTEGER REFERENCES tickets (id) ON DELETE SET NULL;
-- A workspace's support list, newest first.
CREATE INDEX tickets_requester ON tickets (requester_tenant_id, id DESC) WHERE requester_tenant_id IS NOT NULL;
-- Staff's work list by due time.
CREATE INDEX tickets_tenant_due ON tickets (tenant_id, due_at, id) WHERE due_at IS NOT NULL;
