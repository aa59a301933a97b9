-- What a claimer holds of a subscription (the claim's share is what it may hold less this count)
-- counts only the in-flight deliveries whose lease still runs. One whose lease ran out is held by
-- nobody: the claim takes it back. Counted with it, a failed release of a subscription's share or
-- more of its deliveries (they stay leased to the claimer that meant to hand them back) left that
-- claimer's share of the subscription at nothing until a restart returned them. The lease end
-- (due_at while in flight) joins the index, so that the count stays a range of the index alone.
DROP INDEX deliveries_in_flight;
CREATE INDEX deliveries_in_flight ON deliveries (subscription_id, lease_owner, due_at) WHERE status = 'in_flight';
