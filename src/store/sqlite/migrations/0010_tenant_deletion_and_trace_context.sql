-- Deleting a tenant, and tracing (issue 13); the same changes as PostgreSQL's 0010_tenant_deletion_and_trace_context.sql.
--
-- A deleted tenant stays (hidden) as its subscriptions do after a delete: its events, deliveries
-- and audit entries keep their history, and its id is never given to a new tenant.
ALTER TABLE tenants ADD COLUMN deleted_at INTEGER;

-- The W3C traceparent of the span that published the event (null when tracing is off), so that
-- each delivery attempt, in whichever process sends it, joins the publish call's trace.
ALTER TABLE events ADD COLUMN trace_parent TEXT;
