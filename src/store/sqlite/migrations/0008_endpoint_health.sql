-- Endpoint health (issue 11): the circuit breaker of each subscription, its recent success rate
-- and latency, and the operational events its changes raise. The same tables and columns as
-- PostgreSQL's 0008.

-- The circuit lives in the subscription's row, so every worker process sees the same state.
-- circuit: 'closed', 'open' (nothing is claimed until circuit_retry_at) or 'half_open' (one
-- probe is out; circuit_retry_at is its lease, after which another probe may go).
ALTER TABLE subscriptions ADD COLUMN circuit TEXT NOT NULL DEFAULT 'closed';
ALTER TABLE subscriptions ADD COLUMN circuit_retry_at INTEGER;
ALTER TABLE subscriptions ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
-- When the current run of failures began (null after a success): a long run disables it.
ALTER TABLE subscriptions ADD COLUMN failing_since INTEGER;

-- Attempts per subscription and minute: the hour and day windows of /health read at most
-- 1,440 rows of one subscription, whatever its traffic.
CREATE TABLE endpoint_health (
  subscription_id  TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  minute           INTEGER NOT NULL,
  successes        INTEGER NOT NULL,
  failures         INTEGER NOT NULL,
  total_ms         INTEGER NOT NULL,
  max_ms           INTEGER NOT NULL,
  PRIMARY KEY (subscription_id, minute)
);

-- Operational events (subscription.circuit_opened, delivery.exhausted, …) written with the
-- outcome that raised them, then published into the tenant's stream by the relay and removed.
CREATE TABLE operational_notices (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  type        TEXT NOT NULL,
  data        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
