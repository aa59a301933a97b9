-- Endpoint health (issue 11): the circuit breaker of each subscription, its recent success rate
-- and latency, and the operational events its changes raise. The same tables and columns as
-- SQLite's 0008.

-- The circuit lives in the subscription's row, so every worker process sees the same state.
-- circuit: 'closed', 'open' (nothing is claimed until circuit_retry_at) or 'half_open' (one
-- probe is out; circuit_retry_at is its lease, after which another probe may go).
ALTER TABLE subscriptions ADD COLUMN circuit text NOT NULL DEFAULT 'closed';
ALTER TABLE subscriptions ADD COLUMN circuit_retry_at bigint;
ALTER TABLE subscriptions ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0;
-- When the current run of failures began (null after a success): a long run disables it.
ALTER TABLE subscriptions ADD COLUMN failing_since bigint;

-- Attempts per subscription and minute: the hour and day windows of /health read at most
-- 1,440 rows of one subscription, whatever its traffic.
CREATE TABLE endpoint_health (
  subscription_id  text COLLATE "C" NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  minute           bigint NOT NULL,
  successes        integer NOT NULL,
  failures         integer NOT NULL,
  total_ms         bigint NOT NULL,
  max_ms           integer NOT NULL,
  PRIMARY KEY (subscription_id, minute)
);

-- Operational events (subscription.circuit_opened, delivery.exhausted, …) written with the
-- outcome that raised them, then published into the tenant's stream by the relay and removed.
CREATE TABLE operational_notices (
  id          text COLLATE "C" PRIMARY KEY,
  tenant_id   text COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  type        text NOT NULL,
  data        jsonb NOT NULL,
  created_at  bigint NOT NULL
);
