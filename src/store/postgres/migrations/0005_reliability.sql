-- Reliability under growth (issue 10); the same changes as SQLite's 0005_reliability.sql.
--
-- Deliveries of a paused, disabled or deleted subscription are parked: they leave the due index,
-- so a claim never walks past them; re-enabling the subscription unparks them.
ALTER TABLE deliveries ADD COLUMN parked boolean NOT NULL DEFAULT false;
UPDATE deliveries SET parked = true
WHERE due_at IS NOT NULL AND subscription_id IN (SELECT id FROM subscriptions WHERE NOT active);

-- A deleted subscription stays (hidden) until retention removes it, keeping its delivery history.
ALTER TABLE subscriptions ADD COLUMN deleted_at bigint;

-- The due work of each subscription. The fair claim walks the subscriptions that have some
-- (a loose index scan: one probe per subscription) and takes a bounded share from each, so no
-- subscription's backlog fills the claim window or delays another's fresh event.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (subscription_id, due_at) WHERE due_at IS NOT NULL AND NOT parked;
-- The whole backlog in due order, for the due-deliveries gauge (/metrics).
CREATE INDEX deliveries_backlog ON deliveries (due_at) WHERE due_at IS NOT NULL AND NOT parked;
-- What each claimer holds of a subscription (its share is its limit less that), and parked rows to unpark.
CREATE INDEX deliveries_in_flight ON deliveries (subscription_id, lease_owner) WHERE status = 'in_flight';
CREATE INDEX deliveries_parked ON deliveries (subscription_id) WHERE parked;
-- The delivery list filtered by status, newest first.
CREATE INDEX deliveries_by_status ON deliveries (tenant_id, status, id);
