-- Ordered delivery and per-subscription limits (issue 11).
--
-- Ordering: a subscription asks for 'none' (the default), 'subscription' (all its deliveries in
-- publish order) or 'key' (in publish order per event ordering_key).
ALTER TABLE subscriptions ADD COLUMN ordering TEXT NOT NULL DEFAULT 'none';
ALTER TABLE events ADD COLUMN ordering_key TEXT;
-- The group a delivery is ordered within, fixed at fan-out from its subscription's ordering and
-- its event's key: NULL (unordered), '' (the whole subscription) or the event's ordering_key.
ALTER TABLE deliveries ADD COLUMN ordering_key TEXT;
-- The open (pending or in-flight) deliveries of each ordered group, in publish order (delivery
-- ids are time-ordered): the claim takes a delivery only when no earlier one of its group is open.
CREATE INDEX deliveries_ordered_open ON deliveries (subscription_id, ordering_key, id)
  WHERE ordering_key IS NOT NULL AND status IN ('pending', 'in_flight');

-- Rate and concurrency limits per subscription (issue 11): requests per second and sends in
-- flight at most, across every worker process; NULL: no limit beyond the instance's.
ALTER TABLE subscriptions ADD COLUMN rate_limit_per_second REAL;
ALTER TABLE subscriptions ADD COLUMN max_in_flight INTEGER;
-- The token bucket of each rate-limited subscription, shared by every worker: a claim locks the
-- row, refills it for the time passed and takes one token per delivery it claims. `rate` is the
-- rate in force: the configured one, cut after a 429 and growing back gradually.
CREATE TABLE subscription_throttles (
  subscription_id  TEXT PRIMARY KEY REFERENCES subscriptions(id) ON DELETE CASCADE,
  tokens           REAL NOT NULL,
  rate             REAL NOT NULL,
  refilled_at      INTEGER NOT NULL,
  blocked_until    INTEGER NOT NULL
);
