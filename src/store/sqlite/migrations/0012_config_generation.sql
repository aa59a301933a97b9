-- One number that every change to what a publish or a credential check looks up moves on:
-- tenants, API keys (not their last_used_at), event types, and the subscription columns that
-- matching reads. Each process caches those lookups (store/lookup-cache.ts) and reads this
-- row, a few microseconds, before trusting its cache, so a change made by any connection, thread
-- or process (a revoked key, a disabled subscription) counts from the very next request.
-- PostgreSQL's 0012 announces the same changes with NOTIFY instead.

CREATE TABLE config_generation (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  value  INTEGER NOT NULL
);
INSERT INTO config_generation (id, value) VALUES (1, 0);

CREATE TRIGGER config_changed_tenants_insert AFTER INSERT ON tenants BEGIN UPDATE config_generation SET value = value + 1; END;
CREATE TRIGGER config_changed_tenants_update AFTER UPDATE ON tenants BEGIN UPDATE config_generation SET value = value + 1; END;
CREATE TRIGGER config_changed_tenants_delete AFTER DELETE ON tenants BEGIN UPDATE config_generation SET value = value + 1; END;

CREATE TRIGGER config_changed_api_keys_insert AFTER INSERT ON api_keys BEGIN UPDATE config_generation SET value = value + 1; END;
CREATE TRIGGER config_changed_api_keys_update AFTER UPDATE OF tenant_id, scopes, token_hash, revoked_at ON api_keys BEGIN UPDATE config_generation SET value = value + 1; END;
CREATE TRIGGER config_changed_api_keys_delete AFTER DELETE ON api_keys BEGIN UPDATE config_generation SET value = value + 1; END;

CREATE TRIGGER config_changed_event_types_insert AFTER INSERT ON event_types BEGIN UPDATE config_generation SET value = value + 1; END;
CREATE TRIGGER config_changed_event_types_update AFTER UPDATE ON event_types BEGIN UPDATE config_generation SET value = value + 1; END;
CREATE TRIGGER config_changed_event_types_delete AFTER DELETE ON event_types BEGIN UPDATE config_generation SET value = value + 1; END;

CREATE TRIGGER config_changed_tenant_event_types_insert AFTER INSERT ON tenant_event_types BEGIN UPDATE config_generation SET value = value + 1; END;
CREATE TRIGGER config_changed_tenant_event_types_update AFTER UPDATE ON tenant_event_types BEGIN UPDATE config_generation SET value = value + 1; END;
CREATE TRIGGER config_changed_tenant_event_types_delete AFTER DELETE ON tenant_event_types BEGIN UPDATE config_generation SET value = value + 1; END;

CREATE TRIGGER config_changed_subscriptions_insert AFTER INSERT ON subscriptions BEGIN UPDATE config_generation SET value = value + 1; END;
CREATE TRIGGER config_changed_subscriptions_update AFTER UPDATE OF tenant_id, event_types, filter, active, deleted_at, application_id, channels, ordering ON subscriptions BEGIN UPDATE config_generation SET value = value + 1; END;
CREATE TRIGGER config_changed_subscriptions_delete AFTER DELETE ON subscriptions BEGIN UPDATE config_generation SET value = value + 1; END;

CREATE TRIGGER config_changed_subscription_event_types_insert AFTER INSERT ON subscription_event_types BEGIN UPDATE config_generation SET value = value + 1; END;
CREATE TRIGGER config_changed_subscription_event_types_delete AFTER DELETE ON subscription_event_types BEGIN UPDATE config_generation SET value = value + 1; END;
