-- Reliability under growth (issue 10).
--
-- Deliveries of a paused, disabled or deleted subscription are parked: they leave the due index,
-- so a claim never walks past them; re-enabling the subscription unparks them.
ALTER TABLE deliveries ADD COLUMN parked INTEGER NOT NULL DEFAULT 0;
UPDATE deliveries SET parked = 1
WHERE due_at IS NOT NULL AND subscription_id IN (SELECT id FROM subscriptions WHERE active = 0);

-- A deleted subscription stays (hidden) until retention removes it, keeping its delivery history.
ALTER TABLE subscriptions ADD COLUMN deleted_at INTEGER;

-- The due work of each subscription. The fair claim walks the subscriptions that have some
-- (a loose index scan: one probe per subscription) and takes a bounded share from each, so no
-- subscription's backlog fills the claim window or delays another's fresh event.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (subscription_id, due_at) WHERE due_at IS NOT NULL AND parked = 0;
-- The whole backlog in due order, for the due-deliveries gauge (/metrics).
CREATE INDEX deliveries_backlog ON deliveries (due_at) WHERE due_at IS NOT NULL AND parked = 0;
-- What each claimer holds of a subscription (its share is its limit less that), and parked rows to unpark.
CREATE INDEX deliveries_in_flight ON deliveries (subscription_id, lease_owner) WHERE status = 'in_flight';
CREATE INDEX deliveries_parked ON deliveries (subscription_id) WHERE parked = 1;
-- The delivery list filtered by status, newest first.
CREATE INDEX deliveries_by_status ON deliveries (tenant_id, status, id);
