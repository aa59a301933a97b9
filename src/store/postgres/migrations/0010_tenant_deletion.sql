-- Deleting a tenant (issue 13); the same change as SQLite's 0010_tenant_deletion.sql.
--
-- A deleted tenant stays (hidden) as its subscriptions do after a delete: its events, deliveries
-- and audit entries keep their history, and its id is never given to a new tenant.
ALTER TABLE tenants ADD COLUMN deleted_at bigint;
