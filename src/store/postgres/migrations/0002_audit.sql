-- The audit log: who created, changed, rotated, revoked or deleted what, and when.
-- Rows are only ever inserted; ids are ULIDs, so ordering by id is ordering by time.

CREATE TABLE audit_log (
  id           text COLLATE "C" PRIMARY KEY,
  at           bigint NOT NULL,
  actor_kind   text NOT NULL,
  actor_id     text NOT NULL,
  action       text NOT NULL,
  tenant_id    text COLLATE "C",
  target_type  text NOT NULL,
  target_id    text,
  details      jsonb NOT NULL
);
-- No foreign key to tenants: the record of a deleted tenant's history must outlive it.
CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, id);

CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, id);
