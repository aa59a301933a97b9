-- A number that moves whenever any column of a subscription that the domain reads changes (every
-- column of tables.ts's `subscriptions`; not the circuit and throttle state, which the claim and
-- the outcome writes move all the time). The delivery engine keeps each subscription decoded with
-- the revision it was read at (store/decoded-subscriptions.ts), and a handed-off or claimed
-- delivery's read fetches and decodes the whole row again only when the revision moved: a
-- 10,000-subscription fan-out read and decoded 10,000 rows per event (docs/performance.md,
-- "Fan-out: reading handed-off deliveries"). A trigger, so that no writer can forget it; updated_at
-- is no such marker (re-sealing the secrets under a new key leaves it, two edits may share a
-- millisecond).

ALTER TABLE subscriptions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER subscriptions_revision AFTER UPDATE OF
  id, tenant_id, url, event_types, name, description, metadata, headers, filter, format, platform_data,
  active, disabled_reason, sealed_secret, previous_sealed_secret, previous_secret_expires_at, signing,
  retry_policy, created_at, updated_at, deleted_at, application_id, uid, channels, ordering,
  rate_limit_per_second, max_in_flight
ON subscriptions
BEGIN
  UPDATE subscriptions SET revision = revision + 1 WHERE rowid = NEW.rowid;
END;
