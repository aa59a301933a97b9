-- Applications (a consumer's group of subscriptions inside a tenant), caller-chosen uids,
-- channels and tags, tenant-owned event types and idempotency keys: what the Svix door maps
-- onto, usable by every door. The same tables and columns as SQLite's 0007.

CREATE TABLE applications (
  id             text COLLATE "C" PRIMARY KEY,
  tenant_id      text COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  uid            text COLLATE "C",
  name           text NOT NULL,
  metadata       jsonb NOT NULL,
  throttle_rate  bigint,
  created_at     bigint NOT NULL,
  updated_at     bigint NOT NULL
);
CREATE INDEX applications_by_tenant ON applications (tenant_id, id);
CREATE UNIQUE INDEX applications_by_uid ON applications (tenant_id, uid) WHERE uid IS NOT NULL;

-- A subscription may belong to one application: messages to that application reach only its
-- subscriptions. Deleting the application deletes them.
ALTER TABLE subscriptions ADD COLUMN application_id text COLLATE "C" REFERENCES applications(id) ON DELETE CASCADE;
ALTER TABLE subscriptions ADD COLUMN uid text COLLATE "C";
ALTER TABLE subscriptions ADD COLUMN channels jsonb;
CREATE INDEX subscriptions_by_application ON subscriptions (application_id, id) WHERE application_id IS NOT NULL;
CREATE UNIQUE INDEX subscriptions_by_uid ON subscriptions (tenant_id, application_id, uid) WHERE uid IS NOT NULL;

-- Events keep no foreign key to applications: an application's message log outlives nothing it
-- does not own, and a deleted application's events are simply no longer listed.
ALTER TABLE events ADD COLUMN application_id text COLLATE "C";
ALTER TABLE events ADD COLUMN uid text COLLATE "C";
ALTER TABLE events ADD COLUMN channels jsonb;
ALTER TABLE events ADD COLUMN tags jsonb;
CREATE INDEX events_by_application ON events (tenant_id, application_id, created_at) WHERE application_id IS NOT NULL;
CREATE UNIQUE INDEX events_by_uid ON events (tenant_id, application_id, uid) WHERE uid IS NOT NULL;

-- Event types a tenant defines for itself (beside the shared catalog), with versioned schemas
-- that document payloads, and an archive flag instead of deletion.
CREATE TABLE tenant_event_types (
  tenant_id      text COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name           text COLLATE "C" NOT NULL,
  description    text NOT NULL,
  schemas        jsonb,
  archived       boolean NOT NULL,
  deprecated     boolean NOT NULL,
  feature_flags  jsonb,
  group_name     text,
  created_at     bigint NOT NULL,
  updated_at     bigint NOT NULL,
  PRIMARY KEY (tenant_id, name)
);

-- The first answer to a request sent with an idempotency key, replayed to its retries.
CREATE TABLE idempotency_keys (
  tenant_id    text COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  key          text NOT NULL,
  fingerprint  text NOT NULL,
  state        text NOT NULL,
  status       bigint,
  body         text,
  created_at   bigint NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
