-- The audit log: who created, changed, rotated, revoked or deleted what, and when.
-- Rows are only ever inserted; ids are ULIDs, so ordering by id is ordering by time.

CREATE TABLE audit_log (
  id           TEXT PRIMARY KEY,
  at           INTEGER NOT NULL,
  actor_kind   TEXT NOT NULL,
  actor_id     TEXT NOT NULL,
  action       TEXT NOT NULL,
  tenant_id    TEXT,
  target_type  TEXT NOT NULL,
  target_id    TEXT,
  details      TEXT NOT NULL
);
-- No foreign key to tenants: the record of a deleted tenant's history must outlive it.
CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, id);

CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, id);
