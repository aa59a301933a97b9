-- Ordered delivery (issue 11). A subscription asks for 'none' (the default), 'subscription' (all
-- its deliveries in publish order) or 'key' (in publish order per event ordering_key).
ALTER TABLE subscriptions ADD COLUMN ordering TEXT NOT NULL DEFAULT 'none';
ALTER TABLE events ADD COLUMN ordering_key TEXT;
-- The group a delivery is ordered within, fixed at fan-out from its subscription's ordering and
-- its event's key: NULL (unordered), '' (the whole subscription) or the event's ordering_key.
ALTER TABLE deliveries ADD COLUMN ordering_key TEXT;
-- The open (pending or in-flight) deliveries of each ordered group, in publish order (delivery
-- ids are time-ordered): the claim takes a delivery only when no earlier one of its group is open.
CREATE INDEX deliveries_ordered_open ON deliveries (subscription_id, ordering_key, id)
  WHERE ordering_key IS NOT NULL AND status IN ('pending', 'in_flight');
