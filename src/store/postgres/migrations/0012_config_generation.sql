-- Every change to what a publish or a credential check looks up (tenants, API keys but not their
-- last_used_at, event types, the subscription columns that matching and fan-out read) is announced on the
-- hookpost_config channel when its transaction commits. Each process caches those lookups
-- (store/lookup-cache.ts) and drops its cache on the notice, so a change made by any process
-- counts within milliseconds everywhere; a process that is not listening does not cache.
-- Statement-level triggers: one notice a statement, and PostgreSQL folds equal notices of one
-- transaction into one. SQLite's 0012 keeps a generation number instead.

CREATE FUNCTION hookpost_config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hookpost_config', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE ON tenants
  FOR EACH STATEMENT EXECUTE FUNCTION hookpost_config_changed();
CREATE TRIGGER config_changed AFTER INSERT OR UPDATE OF tenant_id, scopes, token_hash, revoked_at OR DELETE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION hookpost_config_changed();
CREATE TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE ON event_types
  FOR EACH STATEMENT EXECUTE FUNCTION hookpost_config_changed();
CREATE TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE ON tenant_event_types
  FOR EACH STATEMENT EXECUTE FUNCTION hookpost_config_changed();
CREATE TRIGGER config_changed AFTER INSERT OR UPDATE OF tenant_id, event_types, filter, active, deleted_at, application_id, channels, ordering OR DELETE ON subscriptions
  FOR EACH STATEMENT EXECUTE FUNCTION hookpost_config_changed();
CREATE TRIGGER config_changed AFTER INSERT OR DELETE ON subscription_event_types
  FOR EACH STATEMENT EXECUTE FUNCTION hookpost_config_changed();
