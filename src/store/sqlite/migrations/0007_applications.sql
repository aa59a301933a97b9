-- Applications (a consumer's group of subscriptions inside a tenant), caller-chosen uids,
-- channels and tags, tenant-owned event types and idempotency keys: what the Svix door maps
-- onto, usable by every door. The same tables and columns as PostgreSQL's 0007.

CREATE TABLE applications (
  id             TEXT PRIMARY KEY,
  tenant_id      TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  uid            TEXT,
  name           TEXT NOT NULL,
  metadata       TEXT NOT NULL,
  throttle_rate  INTEGER,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX applications_by_tenant ON applications (tenant_id, id);
CREATE UNIQUE INDEX applications_by_uid ON applications (tenant_id, uid) WHERE uid IS NOT NULL;

-- A subscription may belong to one application: messages to that application reach only its
-- subscriptions. Deleting the application deletes them.
ALTER TABLE subscriptions ADD COLUMN application_id TEXT REFERENCES applications(id) ON DELETE CASCADE;
ALTER TABLE subscriptions ADD COLUMN uid TEXT;
ALTER TABLE subscriptions ADD COLUMN channels TEXT;
CREATE INDEX subscriptions_by_application ON subscriptions (application_id, id) WHERE application_id IS NOT NULL;
CREATE UNIQUE INDEX subscriptions_by_uid ON subscriptions (tenant_id, application_id, uid) WHERE uid IS NOT NULL;

-- Events keep no foreign key to applications: an application's message log outlives nothing it
-- does not own, and a deleted application's events are simply no longer listed.
ALTER TABLE events ADD COLUMN application_id TEXT;
ALTER TABLE events ADD COLUMN uid TEXT;
ALTER TABLE events ADD COLUMN channels TEXT;
ALTER TABLE events ADD COLUMN tags TEXT;
CREATE INDEX events_by_application ON events (tenant_id, application_id, created_at) WHERE application_id IS NOT NULL;
CREATE UNIQUE INDEX events_by_uid ON events (tenant_id, application_id, uid) WHERE uid IS NOT NULL;

-- Event types a tenant defines for itself (beside the shared catalog), with versioned schemas
-- that document payloads, and an archive flag instead of deletion.
CREATE TABLE tenant_event_types (
  tenant_id      TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name           TEXT NOT NULL,
  description    TEXT NOT NULL,
  schemas        TEXT,
  archived       INTEGER NOT NULL,
  deprecated     INTEGER NOT NULL,
  feature_flags  TEXT,
  group_name     TEXT,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, name)
);

-- The first answer to a request sent with an idempotency key, replayed to its retries.
CREATE TABLE idempotency_keys (
  tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  key          TEXT NOT NULL,
  fingerprint  TEXT NOT NULL,
  state        TEXT NOT NULL,
  status       INTEGER,
  body         TEXT,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
