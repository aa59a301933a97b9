-- The core schema: tenants, keys, the event-type catalog, subscriptions, events, deliveries and attempts.
-- Times are integer milliseconds since the epoch; JSON columns hold text.

CREATE TABLE tenants (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id            TEXT PRIMARY KEY,
  tenant_id     TEXT REFERENCES tenants(id) ON DELETE CASCADE,
  name          TEXT,
  scopes        TEXT NOT NULL,
  token_hash    TEXT NOT NULL UNIQUE,
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER,
  revoked_at    INTEGER
);

CREATE TABLE event_types (
  name         TEXT PRIMARY KEY,
  description  TEXT NOT NULL,
  schema       TEXT,
  example      TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);

CREATE TABLE subscriptions (
  id               TEXT PRIMARY KEY,
  tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  url              TEXT NOT NULL,
  event_types      TEXT NOT NULL,
  name             TEXT,
  description      TEXT,
  metadata         TEXT NOT NULL,
  headers          TEXT NOT NULL,
  filter           TEXT,
  format           TEXT NOT NULL,
  platform_data    TEXT NOT NULL,
  active           INTEGER NOT NULL,
  disabled_reason  TEXT,
  sealed_secret    TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX subscriptions_by_tenant ON subscriptions (tenant_id, id);

-- One row per (subscription, event type) so that matching is an index lookup on (tenant, type).
CREATE TABLE subscription_event_types (
  tenant_id        TEXT NOT NULL,
  event_type       TEXT NOT NULL,
  subscription_id  TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  PRIMARY KEY (tenant_id, event_type, subscription_id)
);
CREATE INDEX subscription_event_types_by_subscription ON subscription_event_types (subscription_id);

CREATE TABLE events (
  tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           TEXT NOT NULL,
  type         TEXT NOT NULL,
  data         TEXT NOT NULL,
  resource_id  TEXT,
  created_at   INTEGER NOT NULL,
  deliver_at   INTEGER,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX events_by_time ON events (tenant_id, created_at);

-- The deliveries table is the queue. due_at is when the row next needs a dispatcher: the next
-- attempt time while pending, the lease expiry while in flight, NULL once finished.
CREATE TABLE deliveries (
  id                TEXT PRIMARY KEY,
  tenant_id         TEXT NOT NULL,
  event_id          TEXT NOT NULL,
  subscription_id   TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  status            TEXT NOT NULL,
  attempt_count     INTEGER NOT NULL DEFAULT 0,
  due_at            INTEGER,
  lease_owner       TEXT,
  last_status_code  INTEGER,
  last_error        TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  FOREIGN KEY (tenant_id, event_id) REFERENCES events(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX deliveries_by_event ON deliveries (tenant_id, event_id);
CREATE INDEX deliveries_by_subscription ON deliveries (subscription_id, id);
CREATE INDEX deliveries_by_tenant ON deliveries (tenant_id, id);

CREATE TABLE attempts (
  id             TEXT PRIMARY KEY,
  delivery_id    TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  number         INTEGER NOT NULL,
  started_at     INTEGER NOT NULL,
  duration_ms    INTEGER NOT NULL,
  status_code    INTEGER,
  response_body  TEXT,
  error_class    TEXT,
  error_message  TEXT,
  succeeded      INTEGER NOT NULL
);
CREATE INDEX attempts_by_delivery ON attempts (delivery_id, number);
