-- The delivery engine's per-subscription settings and its background tasks.
-- A rotated secret stays valid (signing too) until previous_secret_expires_at; both are sealed.
ALTER TABLE subscriptions ADD COLUMN previous_sealed_secret text;
ALTER TABLE subscriptions ADD COLUMN previous_secret_expires_at bigint;
-- 'hmac' (v1, whsec_) or 'ed25519' (v1a, whsk_ sealed in sealed_secret).
ALTER TABLE subscriptions ADD COLUMN signing text NOT NULL DEFAULT 'hmac';
-- {"schedule_ms": [...]} overriding the instance retry schedule; NULL: the instance's.
ALTER TABLE subscriptions ADD COLUMN retry_policy jsonb;

-- Bulk operations (recover) that run in the background, resumable after a crash: a runner leases
-- a running task, does one batch, records progress and the cursor it reached.
CREATE TABLE tasks (
  id           text COLLATE "C" PRIMARY KEY,
  tenant_id    text COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  kind         text NOT NULL,
  -- Two requests with the same key are the same request: only one such task runs at a time.
  request_key  text NOT NULL,
  status       text NOT NULL,
  params       jsonb NOT NULL,
  progress     jsonb NOT NULL,
  cursor       text COLLATE "C",
  lease_owner  text,
  lease_until  bigint NOT NULL,
  created_at   bigint NOT NULL,
  updated_at   bigint NOT NULL,
  finished_at  bigint
);
CREATE UNIQUE INDEX tasks_running_by_key ON tasks (tenant_id, request_key) WHERE status = 'running';
CREATE INDEX tasks_runnable ON tasks (lease_until) WHERE status = 'running';
CREATE INDEX tasks_by_tenant ON tasks (tenant_id, id);
-- Recovery scans a subscription's failed deliveries in id order.
CREATE INDEX deliveries_failed_by_subscription ON deliveries (subscription_id, id) WHERE status = 'failed';
