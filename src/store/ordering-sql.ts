/**
 * The claim condition of ordered delivery, the same text on both stores (the claim queries alias
 * the candidate row `d`): an unordered delivery may always go; an ordered one only when no earlier
 * delivery of its group (same subscription and ordering_key; delivery ids are time-ordered) is
 * still open, that is pending (a retry waiting included) or in flight. So a failing head holds
 * back only its own group, and its retries keep their schedule. The probe is one range of the
 * partial index deliveries_ordered_open (migration 0009), whose WHERE this text must imply.
 */
export const ORDERED_HEAD = `(d.ordering_key IS NULL OR NOT EXISTS (
       SELECT 1 FROM deliveries p
       WHERE p.subscription_id = d.subscription_id AND p.ordering_key = d.ordering_key AND p.id < d.id
         AND p.ordering_key IS NOT NULL AND p.status IN ('pending', 'in_flight')))`;
