-- Issue 9: the PostgreSQL counterpart narrows events_by_time so that PostgreSQL's cached plan of
-- the deliveries → events foreign-key check cannot pick it. SQLite checks a foreign key through
-- the parent's primary key, so nothing changes here.
SELECT 1;
