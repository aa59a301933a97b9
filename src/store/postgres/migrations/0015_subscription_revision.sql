-- Issue 9: SQLite's 0015 gives subscriptions a revision for the delivery engine's decoded
-- subscriptions (store/decoded-subscriptions.ts). PostgreSQL's handed-off and claimed reads take
-- each subscription as JSON in the same statement as its delivery and do not use it yet, so
-- nothing changes here.
SELECT 1;
