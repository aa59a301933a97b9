-- The core schema: tenants, keys, the event-type catalog, subscriptions, events, deliveries and attempts.
-- The same tables, columns and numbering as SQLite's 0001_core.sql. Times are bigint milliseconds
-- since the epoch (the domain's unit, so nothing converts at the boundary). Keys sort with
-- COLLATE "C", byte order as in SQLite, so that cursors page the same way on both stores.

CREATE TABLE tenants (
  id          text COLLATE "C" PRIMARY KEY,
  name        text NOT NULL,
  created_at  bigint NOT NULL
);

CREATE TABLE api_keys (
  id            text COLLATE "C" PRIMARY KEY,
  tenant_id     text COLLATE "C" REFERENCES tenants(id) ON DELETE CASCADE,
  name          text,
  scopes        jsonb NOT NULL,
  token_hash    text NOT NULL UNIQUE,
  created_at    bigint NOT NULL,
  last_used_at  bigint,
  revoked_at    bigint
);

CREATE TABLE event_types (
  name         text COLLATE "C" PRIMARY KEY,
  description  text NOT NULL,
  schema       jsonb,
  example      jsonb,
  created_at   bigint NOT NULL,
  updated_at   bigint NOT NULL
);

CREATE TABLE subscriptions (
  id               text COLLATE "C" PRIMARY KEY,
  tenant_id        text COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  url              text NOT NULL,
  event_types      jsonb NOT NULL,
  name             text,
  description      text,
  metadata         jsonb NOT NULL,
  headers          jsonb NOT NULL,
  filter           jsonb,
  format           text NOT NULL,
  platform_data    jsonb NOT NULL,
  active           boolean NOT NULL,
  disabled_reason  text,
  sealed_secret    text NOT NULL,
  created_at       bigint NOT NULL,
  updated_at       bigint NOT NULL
);
CREATE INDEX subscriptions_by_tenant ON subscriptions (tenant_id, id);

-- One row per (subscription, event type) so that matching is an index lookup on (tenant, type).
CREATE TABLE subscription_event_types (
  tenant_id        text COLLATE "C" NOT NULL,
  event_type       text COLLATE "C" NOT NULL,
  subscription_id  text COLLATE "C" NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  PRIMARY KEY (tenant_id, event_type, subscription_id)
);
CREATE INDEX subscription_event_types_by_subscription ON subscription_event_types (subscription_id);

-- data is json, not jsonb: json keeps the publisher's text (key order, \u0000 escapes) as SQLite does,
-- and the payload is only ever stored and sent, never queried inside.
CREATE TABLE events (
  tenant_id    text COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           text COLLATE "C" NOT NULL,
  type         text NOT NULL,
  data         json NOT NULL,
  resource_id  text,
  created_at   bigint NOT NULL,
  deliver_at   bigint,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX events_by_time ON events (tenant_id, created_at);

-- The deliveries table is the queue. due_at is when the row next needs a dispatcher: the next
-- attempt time while pending, the lease expiry while in flight, NULL once finished.
CREATE TABLE deliveries (
  id                text COLLATE "C" PRIMARY KEY,
  tenant_id         text COLLATE "C" NOT NULL,
  event_id          text COLLATE "C" NOT NULL,
  subscription_id   text COLLATE "C" NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  status            text NOT NULL,
  attempt_count     integer NOT NULL DEFAULT 0,
  due_at            bigint,
  lease_owner       text,
  last_status_code  integer,
  last_error        text,
  created_at        bigint NOT NULL,
  updated_at        bigint NOT NULL,
  FOREIGN KEY (tenant_id, event_id) REFERENCES events(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX deliveries_by_event ON deliveries (tenant_id, event_id);
CREATE INDEX deliveries_by_subscription ON deliveries (subscription_id, id);
CREATE INDEX deliveries_by_tenant ON deliveries (tenant_id, id);

CREATE TABLE attempts (
  id             text COLLATE "C" PRIMARY KEY,
  delivery_id    text COLLATE "C" NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  number         integer NOT NULL,
  started_at     bigint NOT NULL,
  duration_ms    integer NOT NULL,
  status_code    integer,
  response_body  text,
  error_class    text,
  error_message  text,
  succeeded      boolean NOT NULL
);
CREATE INDEX attempts_by_delivery ON attempts (delivery_id, number);
