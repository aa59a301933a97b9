-- Issue 9: every index on deliveries is written again when a claim or an outcome changes its
-- columns. deliveries_backlog (due_at) served only the due-deliveries gauge (/metrics), and each
-- delivery paid for it four times (insert, claim: out and back in with the lease expiry, outcome:
-- out). The gauge now reads deliveries_due, one range per subscription with due work.
DROP INDEX deliveries_backlog;
